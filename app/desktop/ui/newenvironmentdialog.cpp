// SPDX-License-Identifier: MIT
#include "newenvironmentdialog.h"

#include "colors.h"
#include "core/environment.h"
#include "launchereditor.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace QtPyVenvApp {

namespace {
//! The path an item's interpreter was probed at (its name resolved on PATH); Qt::UserRole holds
//! what the definition gets.
constexpr int ProbedPathRole = Qt::UserRole + 1;
} // namespace

NewEnvironmentDialog::NewEnvironmentDialog(const QStringList &pythons, const QStringList &takenNames, QWidget *parent)
    : QDialog(parent)
    , m_takenNames(takenNames)
    , m_id(newEnvironmentId())
    , m_name(new QLineEdit(this))
    , m_probe(new InterpreterProbe(this))
    , m_interpreter(new QComboBox(this))
    , m_folder(new QLineEdit(this))
    , m_folderHint(new QLabel(this))
    , m_runsOn(new LauncherEditor(this))
    , m_problem(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("New environment"));
    setMinimumWidth(fontMetrics().averageCharWidth() * 64); // room for a path
    m_name->setObjectName(QStringLiteral("newName"));
    m_interpreter->setObjectName(QStringLiteral("newInterpreter"));
    m_interpreter->setEditable(true);
    QStringList probed;
    for (const QString &python : QStringList{QStringLiteral("python3")} + pythons) {
        m_interpreter->addItem(python, python);
        // "python3" is what PATH finds at each start; the probe runs what it finds now.
        const QString path = python.contains(QLatin1Char('/')) ? python : QStandardPaths::findExecutable(python);
        m_interpreter->setItemData(m_interpreter->count() - 1, path, ProbedPathRole);
        probed.append(path);
    }
    connect(m_probe, &InterpreterProbe::probed, this, &NewEnvironmentDialog::onProbed);
    m_probe->probe(probed);
    m_folder->setObjectName(QStringLiteral("newFolder"));
    m_folder->setPlaceholderText(tr("default"));
    m_folderHint->setObjectName(QStringLiteral("newFolderHint"));
    m_folderHint->setWordWrap(true); // the whole hint, however narrow the dialog
    m_folderHint->setForegroundRole(QPalette::PlaceholderText);
    m_problem->setStyleSheet(QStringLiteral("color: %1").arg(stderrColor(palette()).name()));

    auto *browsePython = new QPushButton(tr("Browse…"), this);
    auto *browseFolder = new QPushButton(tr("Browse…"), this);
    auto *pythonRow = new QHBoxLayout;
    pythonRow->addWidget(m_interpreter, 1);
    pythonRow->addWidget(browsePython);
    auto *folderRow = new QHBoxLayout;
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(browseFolder);
    auto *folderField = new QVBoxLayout;
    folderField->addLayout(folderRow);
    folderField->addWidget(m_folderHint);
    // addRow(QString, QLayout *) makes a label without a buddy, which shows its '&' literally.
    auto labelFor = [this](const QString &text, QWidget *buddy) {
        auto *label = new QLabel(text, this);
        label->setBuddy(buddy);
        return label;
    };
    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(labelFor(tr("&Interpreter:"), m_interpreter), pythonRow);
    form->addRow(labelFor(tr("&Folder:"), m_folder), folderField);
    form->addRow(tr("Runs on:"), m_runsOn);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);

    connect(browsePython, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Python interpreter"), QStringLiteral("/usr/bin"));
        if (!path.isEmpty())
            m_interpreter->setCurrentText(path);
    });
    connect(browseFolder, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getExistingDirectory(this, tr("Venv folder"));
        if (!path.isEmpty())
            m_folder->setText(path);
    });
    connect(m_name, &QLineEdit::textChanged, this, &NewEnvironmentDialog::validate);
    connect(m_interpreter, &QComboBox::currentTextChanged, this, &NewEnvironmentDialog::validate);
    connect(m_runsOn, &LauncherEditor::changed, this, &NewEnvironmentDialog::validate);
    connect(m_runsOn, &LauncherEditor::changed, this, &NewEnvironmentDialog::updateFolderHint);
    updateFolderHint();
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    validate();
}

void NewEnvironmentDialog::setName(const QString &name)
{
    m_name->setText(name);
}

EnvironmentDefinition NewEnvironmentDialog::definition() const
{
    EnvironmentDefinition d;
    d.id = m_id;
    d.name = m_name->text().trimmed();
    d.interpreter = interpreter();
    d.baseDir = m_folder->text().trimmed();
    d.launcher = m_runsOn->launcher();
    d.autoStart = true;
    return d;
}

void NewEnvironmentDialog::validate()
{
    QString problem = environmentNameProblem(m_name->text(), m_takenNames);
    if (problem.isEmpty())
        problem = interpreter().isEmpty() ? tr("Pick a Python interpreter.") : m_runsOn->problem();
    m_problem->setText(problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

QString NewEnvironmentDialog::interpreter() const
{
    const int index = m_interpreter->currentIndex();
    if (index >= 0 && m_interpreter->currentText() == m_interpreter->itemText(index))
        return m_interpreter->itemData(index).toString();
    return m_interpreter->currentText().trimmed();
}

void NewEnvironmentDialog::onProbed(const InterpreterInfo &info)
{
    for (int i = m_interpreter->count() - 1; i >= 0; --i) {
        if (m_interpreter->itemData(i, ProbedPathRole).toString() != info.path)
            continue;
        if (info.runs())
            m_interpreter->setItemText(i, QStringLiteral("%1 — %2").arg(m_interpreter->itemData(i).toString(), info.version));
        else
            m_interpreter->removeItem(i); // a Python that does not run is no choice
    }
    validate();
}

// The default folder is on the side where the environment runs.
void NewEnvironmentDialog::updateFolderHint()
{
    m_folderHint->setText(m_runsOn->launcher().isEmpty()
                              ? tr("Left empty: venvs/%1 in the app's data folder.").arg(m_id)
                              : tr("Left empty: %1%2 on that side; a folder given is a path there.")
                                    .arg(Environment::RemoteBaseDirPrefix, m_id));
}

} // namespace QtPyVenvApp
