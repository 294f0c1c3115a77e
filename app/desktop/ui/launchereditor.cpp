// SPDX-License-Identifier: MIT
#include "launchereditor.h"

#include "core/environment.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace QtPyVenvApp {

LauncherEditor::LauncherEditor(QWidget *parent)
    : QWidget(parent)
    , m_kind(new QComboBox(this))
    , m_pages(new QStackedWidget(this))
    , m_sshTarget(field("sshTarget", tr("user@host")))
    , m_sshOptions(field("sshOptions", tr("extra ssh options, e.g. -p 2222")))
    , m_srunOptions(field("srunOptions", tr("srun options, e.g. -p gpu --gres=gpu:1")))
    , m_loginNode(field("loginNode", tr("none: srun on this computer")))
    , m_command(field("customCommand", tr("e.g. docker exec -i box")))
{
    // No taller than its fields: in a dialog left taller by another choice, the choice stays
    // beside its label rather than centred in the space.
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    m_kind->setObjectName(QStringLiteral("runsOnKind"));
    // In the order of RunsOn::Kind.
    m_kind->addItems({tr("This computer"), tr("SSH host"), tr("Slurm"), tr("Custom command prefix")});
    m_pages->addWidget(new QWidget(this));
    m_pages->addWidget(page({{tr("Host:"), m_sshTarget}, {tr("Options:"), m_sshOptions}}));
    m_pages->addWidget(page({{tr("srun options:"), m_srunOptions}, {tr("Through SSH to:"), m_loginNode}}));
    m_pages->addWidget(page({{tr("Command:"), m_command}}));

    auto *hint = new QLabel(tr("The venv is made on that side (by default in %1 there).").arg(Environment::RemoteBaseDirPrefix), this);
    hint->setObjectName(QStringLiteral("runsOnHint"));
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_kind);
    layout->addWidget(m_pages);
    layout->addWidget(hint);

    connect(m_kind, &QComboBox::currentIndexChanged, this, [this, hint](int index) {
        m_pages->setCurrentIndex(index);
        // This computer has no fields: no empty space in the dialog for them.
        m_pages->setVisible(index != int(RunsOn::Kind::ThisComputer));
        hint->setVisible(index != int(RunsOn::Kind::ThisComputer));
        Q_EMIT changed();
    });
    m_pages->hide();
    hint->hide();
}

QLineEdit *LauncherEditor::field(const char *objectName, const QString &placeholder)
{
    auto *edit = new QLineEdit(this);
    edit->setObjectName(QString::fromLatin1(objectName));
    edit->setPlaceholderText(placeholder);
    connect(edit, &QLineEdit::textChanged, this, &LauncherEditor::changed);
    return edit;
}

QWidget *LauncherEditor::page(const QList<std::pair<QString, QLineEdit *>> &rows)
{
    auto *page = new QWidget(this);
    auto *form = new QFormLayout(page);
    form->setContentsMargins(0, 0, 0, 0);
    for (const auto &[label, edit] : rows)
        form->addRow(label, edit);
    return page;
}

RunsOn LauncherEditor::runsOn() const
{
    RunsOn runsOn;
    runsOn.kind = RunsOn::Kind(m_kind->currentIndex());
    runsOn.sshTarget = m_sshTarget->text();
    runsOn.sshOptions = m_sshOptions->text();
    runsOn.srunOptions = m_srunOptions->text();
    runsOn.loginNode = m_loginNode->text();
    runsOn.command = m_command->text();
    return runsOn;
}

void LauncherEditor::setLauncher(const QStringList &launcher)
{
    const RunsOn runsOn = runsOnFor(launcher);
    m_sshTarget->setText(runsOn.sshTarget);
    m_sshOptions->setText(runsOn.sshOptions);
    m_srunOptions->setText(runsOn.srunOptions);
    m_loginNode->setText(runsOn.loginNode);
    m_command->setText(runsOn.command);
    m_kind->setCurrentIndex(int(runsOn.kind));
}

QStringList LauncherEditor::launcher() const
{
    return launcherFor(runsOn());
}

QString LauncherEditor::problem() const
{
    QString problem;
    launcherFor(runsOn(), &problem);
    return problem;
}

} // namespace QtPyVenvApp
