// SPDX-License-Identifier: MIT
#include "addexistingdialog.h"

#include "colors.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace QtPyVenvApp {

namespace {

//! What the folder is, in words.
QString kindOf(const QString &folder)
{
    if (QFileInfo::exists(folder + QStringLiteral("/pyvenv.cfg")))
        return QObject::tr("virtual environment");
    if (QFileInfo(folder + QStringLiteral("/conda-meta")).isDir())
        return QObject::tr("conda environment");
    return QObject::tr("Python environment");
}

//! A name for the folder: its own, or its parent's for the usual ".venv" / "venv".
QString suggestedName(const QString &folder)
{
    const QFileInfo info(folder);
    const QString name = info.fileName();
    return name == QLatin1String(".venv") || name == QLatin1String("venv") ? QFileInfo(info.path()).fileName() : name;
}

} // namespace

AddExistingDialog::AddExistingDialog(const QStringList &takenNames, QWidget *parent)
    : QDialog(parent)
    , m_takenNames(takenNames)
    , m_probe(new InterpreterProbe(this))
    , m_folder(new QLineEdit(this))
    , m_name(new QLineEdit(this))
    , m_interpreter(new QLabel(this))
    , m_problem(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Add existing environment"));
    setMinimumWidth(fontMetrics().averageCharWidth() * 72); // room for a path
    m_folder->setObjectName(QStringLiteral("existingFolder"));
    m_folder->setPlaceholderText(tr("a venv or conda environment folder"));
    m_name->setObjectName(QStringLiteral("existingName"));
    m_interpreter->setObjectName(QStringLiteral("existingInterpreter"));
    m_interpreter->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_interpreter->setWordWrap(true);
    m_problem->setObjectName(QStringLiteral("existingProblem"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: %1").arg(stderrColor(palette()).name()));
    auto *note = new QLabel(tr("The app never removes this folder, and installs the requirements into it only "
                               "after you allow it once."),
                            this);
    note->setWordWrap(true);
    note->setForegroundRole(QPalette::PlaceholderText);

    auto *browse = new QPushButton(tr("Browse…"), this);
    auto *folderRow = new QHBoxLayout;
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(browse);
    auto *folderLabel = new QLabel(tr("&Folder:"), this);
    folderLabel->setBuddy(m_folder); // addRow(QString, QLayout *) would show the '&'
    auto *form = new QFormLayout;
    form->addRow(folderLabel, folderRow);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("Interpreter:"), m_interpreter);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_problem);
    layout->addStretch();
    layout->addWidget(m_buttons);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getExistingDirectory(this, tr("Environment folder"), folder());
        if (!path.isEmpty())
            setFolder(path);
    });
    connect(m_folder, &QLineEdit::textChanged, this, &AddExistingDialog::onFolderChanged);
    connect(m_name, &QLineEdit::textChanged, this, &AddExistingDialog::validate);
    connect(m_probe, &InterpreterProbe::probed, this, &AddExistingDialog::onProbed);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    onFolderChanged();
}

void AddExistingDialog::setFolder(const QString &folder)
{
    m_folder->setText(folder);
}

QString AddExistingDialog::folder() const
{
    const QString text = m_folder->text().trimmed();
    return text.isEmpty() ? QString() : QDir::cleanPath(QDir(text).absolutePath());
}

EnvironmentDefinition AddExistingDialog::definition() const
{
    EnvironmentDefinition d;
    d.id = newEnvironmentId();
    d.name = m_name->text().trimmed();
    d.interpreter = m_python;
    d.existingDir = folder();
    d.pythonVersion = m_info.version;
    d.autoStart = true;
    return d;
}

void AddExistingDialog::onFolderChanged()
{
    const QString dir = folder();
    m_python = dir.isEmpty() ? QString() : InterpreterProbe::environmentInterpreter(dir);
    m_info = {};
    if (!m_name->isModified()) // the user's own name stays
        m_name->setText(dir.isEmpty() ? QString() : suggestedName(dir));
    if (!m_python.isEmpty()) {
        m_interpreter->setText(tr("%1 — running it…").arg(m_python));
        m_probe->probe({m_python});
    } else {
        m_interpreter->clear();
    }
    validate();
}

void AddExistingDialog::onProbed(const InterpreterInfo &info)
{
    if (info.path != m_python)
        return; // for a folder typed before
    m_info = info;
    m_interpreter->setText(info.runs() ? tr("%1 — Python %2 (%3)").arg(m_python, info.version, kindOf(folder()))
                                       : m_python);
    validate();
}

void AddExistingDialog::validate()
{
    QString problem;
    const QString dir = folder();
    if (dir.isEmpty())
        problem = tr("Pick the folder of a venv or conda environment.");
    else if (!QFileInfo(dir).isDir())
        problem = tr("%1 is not a folder.").arg(dir);
    else if (m_python.isEmpty())
        problem = tr("%1 has no Python interpreter: neither bin/python nor bin/python3 is an executable file.").arg(dir);
    else if (!m_info.error.isEmpty())
        problem = tr("The interpreter %1 does not run: %2").arg(m_python, m_info.error);
    else
        problem = environmentNameProblem(m_name->text(), m_takenNames);
    m_problem->setText(problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty() && m_info.runs());
}

} // namespace QtPyVenvApp
