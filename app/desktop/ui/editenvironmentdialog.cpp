// SPDX-License-Identifier: MIT
#include "editenvironmentdialog.h"

#include "colors.h"
#include "launchereditor.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace QtPyVenvApp {

EditEnvironmentDialog::EditEnvironmentDialog(const EnvironmentDefinition &definition, const QString &venvFolder,
                                             const QStringList &takenNames, QWidget *parent)
    : QDialog(parent)
    , m_definition(definition)
    , m_takenNames(takenNames)
    , m_name(new QLineEdit(definition.name, this))
    , m_runsOn(new LauncherEditor(this))
    , m_form(new QFormLayout)
    , m_restartHint(new QLabel(tr("OK restarts a started environment there; its current worker serves until the new one is ready."), this))
    , m_problem(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Edit environment"));
    setMinimumWidth(fontMetrics().averageCharWidth() * 64); // room for a path
    m_name->setObjectName(QStringLiteral("editName"));
    m_runsOn->setLauncher(definition.launcher);
    m_restartHint->setObjectName(QStringLiteral("editRestartHint"));
    m_restartHint->setWordWrap(true);
    m_restartHint->setForegroundRole(QPalette::PlaceholderText);
    m_problem->setObjectName(QStringLiteral("editProblem"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: %1").arg(stderrColor(palette()).name()));

    m_form->addRow(tr("&Name:"), m_name);
    m_form->addRow(tr("Interpreter:"), readOnly(definition.interpreter));
    // An adopted folder is the user's environment itself; the app's venv folder otherwise.
    m_form->addRow(tr("Folder:"), readOnly(displayPath(definition.isAdopted() ? definition.existingDir : venvFolder)));
    m_form->addRow(tr("Runs on:"), m_runsOn);
    m_form->addRow(QString(), m_restartHint);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    layout->addWidget(m_problem);
    layout->addStretch(); // the space another choice of Runs on leaves
    layout->addWidget(m_buttons);

    connect(m_name, &QLineEdit::textChanged, this, &EditEnvironmentDialog::validate);
    connect(m_runsOn, &LauncherEditor::changed, this, &EditEnvironmentDialog::validate);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    validate();
}

QLabel *EditEnvironmentDialog::readOnly(const QString &text)
{
    auto *label = new QLabel(text, this);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setTextFormat(Qt::PlainText);
    return label;
}

EnvironmentDefinition EditEnvironmentDialog::definition() const
{
    EnvironmentDefinition edited = m_definition;
    edited.name = m_name->text().trimmed();
    edited.launcher = m_runsOn->launcher();
    return edited;
}

void EditEnvironmentDialog::validate()
{
    QString problem = environmentNameProblem(m_name->text(), m_takenNames);
    if (problem.isEmpty())
        problem = m_runsOn->problem();
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    m_form->setRowVisible(m_restartHint, problem.isEmpty() && m_runsOn->launcher() != m_definition.launcher);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

} // namespace QtPyVenvApp
