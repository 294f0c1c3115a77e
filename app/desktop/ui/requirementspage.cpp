// SPDX-License-Identifier: MIT
#include "requirementspage.h"

#include "addpackagedialog.h"
#include "colors.h"
#include "core/environment.h"
#include "core/packageindex.h"
#include "core/requirements.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>

namespace QtPyVenvApp {

namespace {
QString capitalized(QString text)
{
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    return text;
}

//! The panes of the page's splitter, top to bottom.
enum Pane { EditorPane, InstallPane, PackagesPane };
} // namespace

RequirementsPage::RequirementsPage(QWidget *parent)
    : QWidget(parent)
    , m_editor(new QPlainTextEdit(this))
    , m_problems(new QLabel(this))
    , m_indexUrl(new QLineEdit(this))
    , m_findLinks(new QLineEdit(this))
    , m_installer(new QComboBox(this))
    , m_installerUsed(new QLabel(this))
    , m_apply(new QPushButton(tr("&Apply"), this))
    , m_busy(new QProgressBar(this))
    , m_phase(new QLabel(this))
    , m_pipLog(new QPlainTextEdit(this))
    , m_packages(new PackageModel(this))
    , m_packageView(new QTableView(this))
    , m_updates(new PackageIndex(this))
    , m_checkUpdates(new QPushButton(tr("Check for &updates"), this))
    , m_upgrade(new QPushButton(tr("U&pgrade"), this))
    , m_remove(new QPushButton(tr("&Remove…"), this))
    , m_packageStatus(new QLabel(this))
    , m_elapsedTimer(new QTimer(this))
{
    // Requirements lists are short; pip's log and the installed packages get the height.
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("requirementsSplitter"));
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(createEditorPane());
    splitter->addWidget(createInstallPane());
    splitter->addWidget(createPackagesPane());
    splitter->setStretchFactor(EditorPane, 2);
    splitter->setStretchFactor(InstallPane, 3);
    splitter->setStretchFactor(PackagesPane, 4);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    m_elapsedTimer->setInterval(500);
    connect(m_elapsedTimer, &QTimer::timeout, this, &RequirementsPage::updateProgress);
    connect(m_editor, &QPlainTextEdit::textChanged, this, &RequirementsPage::validate);
    connect(m_indexUrl, &QLineEdit::textChanged, this, &RequirementsPage::validate);
    connect(m_findLinks, &QLineEdit::textChanged, this, &RequirementsPage::validate);
    connect(m_installer, &QComboBox::currentIndexChanged, this, &RequirementsPage::validate);
    connect(m_apply, &QPushButton::clicked, this, &RequirementsPage::apply);
    updateProgress();
    validate();
}

QWidget *RequirementsPage::createEditorPane()
{
    m_editor->setObjectName(QStringLiteral("requirementsEditor"));
    m_editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_editor->setPlaceholderText(tr("One requirement per line, e.g.\nnumpy>=1.26\nrequests[socks]==2.31.0"));
    m_problems->setObjectName(QStringLiteral("requirementsProblems"));
    m_problems->setWordWrap(true);
    m_indexUrl->setObjectName(QStringLiteral("indexUrl"));
    m_indexUrl->setPlaceholderText(tr("default (PyPI)"));
    m_findLinks->setObjectName(QStringLiteral("findLinks"));
    m_findLinks->setPlaceholderText(tr("none — a folder or URL with wheels"));
    m_installer->setObjectName(QStringLiteral("installerChoice"));
    m_installer->addItem(tr("Auto (uv when found, else pip)"), QVariant::fromValue(QtPyVenv::Installer::Auto));
    m_installer->addItem(tr("pip"), QVariant::fromValue(QtPyVenv::Installer::Pip));
    m_installer->addItem(tr("uv"), QVariant::fromValue(QtPyVenv::Installer::Uv));
    m_installer->setToolTip(tr("Which tool creates the venv and installs: switching installs nothing again"));
    m_installerUsed->setObjectName(QStringLiteral("installerUsed"));
    m_installerUsed->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_apply->setObjectName(QStringLiteral("requirementsApply"));
    m_apply->setToolTip(tr("Save and install: restarts the environment"));
    m_busy->setObjectName(QStringLiteral("installBusy"));
    m_busy->setRange(0, 0);
    m_busy->setMaximumWidth(160);
    m_phase->setObjectName(QStringLiteral("installPhase"));
    m_phase->setToolTip(tr("What the start is doing: creating the venv, installing (with pip's own phase) or launching"));

    auto *importButton = new QPushButton(tr("&Import…"), this);
    auto *exportButton = new QPushButton(tr("E&xport…"), this);
    connect(importButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Import requirements"), QString(),
                                                          tr("Requirements (*.txt);;All files (*)"));
        if (!path.isEmpty())
            importFile(path);
    });
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export requirements"),
                                                          QStringLiteral("requirements.txt"),
                                                          tr("Requirements (*.txt);;All files (*)"));
        if (!path.isEmpty())
            exportFile(path);
    });
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(importButton);
    buttons->addWidget(exportButton);
    buttons->addStretch(1);
    buttons->addWidget(m_busy);
    buttons->addWidget(m_phase);
    buttons->addWidget(m_apply);

    auto *form = new QFormLayout;
    form->addRow(tr("Index URL:"), m_indexUrl);
    form->addRow(tr("Find links:"), m_findLinks);
    auto *installerRow = new QHBoxLayout;
    installerRow->addWidget(m_installer);
    installerRow->addWidget(m_installerUsed, 1);
    form->addRow(tr("Installer:"), installerRow);

    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Requirements"), pane));
    layout->addWidget(m_editor, 1);
    layout->addWidget(m_problems);
    layout->addLayout(form);
    layout->addLayout(buttons);
    return pane;
}

QWidget *RequirementsPage::createInstallPane()
{
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_pipLog->setObjectName(QStringLiteral("pipLog"));
    m_pipLog->setReadOnly(true);
    m_pipLog->setFont(fixed);
    m_pipLog->setMaximumBlockCount(500);
    m_pipLog->setLineWrapMode(QPlainTextEdit::NoWrap);

    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Install output"), pane));
    layout->addWidget(m_pipLog, 1);
    return pane;
}

QWidget *RequirementsPage::createPackagesPane()
{
    m_packageView->setObjectName(QStringLiteral("packagesTable"));
    m_packageView->setModel(m_packages);
    m_packageView->verticalHeader()->hide();
    m_packageView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents); // names are not cut off
    m_packageView->horizontalHeader()->setStretchLastSection(true);
    m_packageView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_packageView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_packageView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_packageView->setAlternatingRowColors(true);
    m_packageStatus->setObjectName(QStringLiteral("packageStatus"));
    m_packageStatus->setWordWrap(true);
    m_packageStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    connect(m_packageView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &RequirementsPage::updatePackageButtons);
    connect(m_packages, &QAbstractItemModel::dataChanged, this, &RequirementsPage::updatePackageButtons);
    connect(m_packages, &QAbstractItemModel::modelReset, this, &RequirementsPage::updatePackageButtons);

    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(createPackageButtons());
    layout->addWidget(m_packageView, 1);
    layout->addWidget(m_packageStatus);
    return pane;
}

QWidget *RequirementsPage::createPackageButtons()
{
    auto *addButton = new QPushButton(tr("A&dd package…"), this);
    addButton->setObjectName(QStringLiteral("addPackage"));
    addButton->setToolTip(tr("Look a package up on the index, pick a version, add it to the requirements and install"));
    m_checkUpdates->setObjectName(QStringLiteral("checkUpdates"));
    m_checkUpdates->setToolTip(tr("Look up the latest version of each installed package on the index"));
    m_upgrade->setObjectName(QStringLiteral("upgradePackage"));
    m_upgrade->setToolTip(tr("Require the latest version of the selected package and install it"));
    m_remove->setObjectName(QStringLiteral("removePackage"));
    m_remove->setToolTip(tr("Remove the selected package's requirement and apply"));
    connect(addButton, &QPushButton::clicked, this, &RequirementsPage::addPackage);
    connect(m_checkUpdates, &QPushButton::clicked, this, &RequirementsPage::checkForUpdates);
    connect(m_upgrade, &QPushButton::clicked, this, [this] { upgradePackage(selectedPackage()); });
    connect(m_remove, &QPushButton::clicked, this, [this] { removePackage(selectedPackage()); });
    connect(m_updates, &PackageIndex::found, this, [this](const QString &package, const QString &, const QStringList &versions) {
        m_packages->setLatestVersion(package, versions.first());
    });
    connect(m_updates, &PackageIndex::failed, this, [this](const QString &package, const QString &message) {
        m_packages->setLatestError(package, message);
        setPackageStatus(message, true);
    });
    connect(m_updates, &PackageIndex::idle, this, [this] {
        int newer = 0;
        for (const PackageInfo &package : m_packages->packages())
            newer += m_packages->hasUpdate(package.name) ? 1 : 0;
        const QString found = newer == 0 ? tr("Every package looked up is up to date.")
            : newer == 1                 ? tr("1 package has a newer version: select it and Upgrade.")
                                         : tr("%1 packages have a newer version: select one and Upgrade.").arg(newer);
        const bool failures = m_packageStatus->property("error").toBool(); // the last failure is shown
        setPackageStatus(failures ? tr("%1 %2").arg(found, m_packageStatus->text()) : found, failures);
        updatePackageButtons();
    });

    auto *bar = new QWidget(this);
    auto *row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(new QLabel(tr("Installed packages (read from the venv)"), bar), 1);
    row->addWidget(m_checkUpdates);
    row->addWidget(m_upgrade);
    row->addWidget(m_remove);
    row->addWidget(addButton);
    return bar;
}

QString RequirementsPage::selectedPackage() const
{
    return m_packageView->currentIndex().data(PackageModel::NameRole).toString();
}

void RequirementsPage::updatePackageButtons()
{
    const bool usable = m_environment && !isInstalling() && !m_uninstalling;
    const QString selected = selectedPackage();
    m_checkUpdates->setEnabled(usable && !m_updates->isBusy() && m_packages->rowCount() > 0);
    m_upgrade->setEnabled(usable && !selected.isEmpty() && m_packages->hasUpdate(selected));
    m_remove->setEnabled(usable && !selected.isEmpty());
}

QString RequirementsPage::packageStatusText() const
{
    return m_packageStatus->text();
}

void RequirementsPage::setPackageStatus(const QString &text, bool error)
{
    m_packageStatus->setText(text);
    m_packageStatus->setProperty("error", error);
    m_packageStatus->setStyleSheet(error ? QStringLiteral("color: %1").arg(stderrColor(palette()).name()) : QString());
}

void RequirementsPage::checkForUpdates()
{
    if (!m_environment)
        return;
    m_updates->cancel();
    m_updates->setInterpreter(m_environment->definition().interpreter);
    m_updates->setPipOptions(m_environment->definition().pipOptions());
    setPackageStatus(tr("Looking up the latest versions…"), false);
    for (const PackageInfo &package : m_packages->packages()) {
        m_packages->setChecking(package.name);
        m_updates->lookUp(package.name);
    }
    updatePackageButtons();
}

void RequirementsPage::upgradePackage(const QString &package)
{
    const QString latest = m_packages->latestVersion(package);
    if (!m_environment || latest.isEmpty())
        return;
    const QString text = m_editor->toPlainText();
    const qsizetype line = findRequirementLine(text, package);
    const QString current = line >= 0 ? text.split(QLatin1Char('\n')).at(line) : QString();
    applyRequirementsText(withRequirementSpecifier(text, package, upgradeSpecifier(current, latest)));
}

void RequirementsPage::removePackage(const QString &package)
{
    if (!m_environment || package.isEmpty())
        return;
    const QString text = m_editor->toPlainText();
    if (findRequirementLine(text, package) < 0) {
        const QStringList requiredBy = m_packages->requiredBy(package);
        setPackageStatus(requiredBy.isEmpty()
                             ? tr("%1 is not in the requirements: the venv brought it (or it was installed by hand), "
                                  "so there is no line to remove.").arg(package)
                             : tr("%1 is not in the requirements: it is a dependency of %2. Remove that instead.")
                                   .arg(package, requiredBy.join(QStringLiteral(", "))),
                         true);
        return;
    }
    const QStringList requiredBy = m_packages->requiredBy(package);
    const QString question = requiredBy.isEmpty()
        ? tr("Remove %1 from the requirements, uninstall it and apply?").arg(package)
        : tr("Remove %1 from the requirements and apply? It stays installed: %2 requires it.")
              .arg(package, requiredBy.join(QStringLiteral(", ")));
    auto *box = new QMessageBox(QMessageBox::Question, tr("Remove package"), question,
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::accepted, this, [this, package] { uninstallThenRemove(package); });
    box->open();
}

void RequirementsPage::uninstallThenRemove(const QString &package)
{
    if (!m_environment)
        return;
    // A package another one needs stays: removing its line only stops asking for it by name.
    if (const QStringList requiredBy = m_packages->requiredBy(package); !requiredBy.isEmpty()) {
        if (applyRequirementsText(withoutRequirement(m_editor->toPlainText(), package)))
            setPackageStatus(tr("%1 is no longer a requirement; it stays installed: %2 requires it.")
                                 .arg(package, requiredBy.join(QStringLiteral(", "))),
                             false);
        return;
    }
    setPackageStatus(tr("Uninstalling %1…").arg(package), false);
    m_uninstalling = true;
    updatePackageButtons();
    m_environment->uninstallPackage(package);
}

void RequirementsPage::onPackageUninstalled(const QString &package, const QString &error)
{
    m_uninstalling = false;
    updatePackageButtons();
    if (!error.isEmpty()) {
        setPackageStatus(error, true); // the requirements stay as they were
        return;
    }
    if (applyRequirementsText(withoutRequirement(m_editor->toPlainText(), package)))
        setPackageStatus(tr("%1 is uninstalled and no longer a requirement.").arg(package), false);
}

void RequirementsPage::addPackage()
{
    if (!m_environment)
        return;
    const EnvironmentDefinition &definition = m_environment->definition();
    auto *dialog = new AddPackageDialog(definition.interpreter, definition.pipOptions(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        applyRequirementsText(withRequirementSpecifier(m_editor->toPlainText(), dialog->packageName(), dialog->specifier()));
    });
    dialog->open();
}

bool RequirementsPage::applyRequirementsText(const QString &text)
{
    m_editor->setPlainText(text);
    if (!checkRequirementsText(text).isEmpty()) {
        setPackageStatus(tr("Fix the requirements above first: they are applied together."), true);
        return false;
    }
    setPackageStatus(QString(), false);
    apply();
    return true;
}

void RequirementsPage::setEnvironment(Environment *environment)
{
    if (environment == m_environment)
        return;
    if (m_environment)
        m_environment->disconnect(this); // every connection made below, to the one it replaces
    m_environment = environment;
    m_pipLog->clear();
    m_updates->cancel();
    m_uninstalling = false;
    m_packages->clearLatestVersions();
    setPackageStatus(QString(), false);
    if (environment) {
        auto refreshPackages = [this] { m_packages->setPackages(m_environment->packages()); };
        connect(environment, &Environment::packagesChanged, this, refreshPackages);
        connect(environment, &Environment::statusChanged, this, &RequirementsPage::updateProgress);
        connect(environment, &Environment::changeStateChanged, this, &RequirementsPage::updateProgress);
        connect(environment, &Environment::startPhaseChanged, this, &RequirementsPage::updateProgress);
        connect(environment, &Environment::installPhaseChanged, this, &RequirementsPage::updateProgress);
        connect(environment, &Environment::definitionChanged, this, &RequirementsPage::load);
        connect(environment, &Environment::packageUninstalled, this, &RequirementsPage::onPackageUninstalled);
        connect(environment, &Environment::outputReceived, this,
                [this](OutputStream stream, const QByteArray &data) {
                    if (stream == OutputStream::Pip)
                        appendPip(data);
                });
        for (const OutputChunk &chunk : environment->output().chunks()) {
            if (chunk.stream == OutputStream::Pip)
                appendPip(chunk.data);
        }
        refreshPackages();
    } else {
        m_packages->setPackages({});
    }
    load();
    updateProgress();
}

void RequirementsPage::load()
{
    if (!m_environment) {
        m_editor->clear();
        m_indexUrl->clear();
        m_findLinks->clear();
        m_installer->setCurrentIndex(0);
        return;
    }
    const EnvironmentDefinition &d = m_environment->definition();
    m_editor->setPlainText(d.requirements.join(QLatin1Char('\n')));
    m_indexUrl->setText(d.indexUrl);
    m_findLinks->setText(d.findLinks);
    m_installer->setCurrentIndex(m_installer->findData(QVariant::fromValue(d.installer)));
}

QString RequirementsPage::problemsText() const
{
    return m_problems->text();
}

QString RequirementsPage::phaseText() const
{
    return m_phase->text();
}

QString RequirementsPage::installerText() const
{
    return m_installerUsed->text();
}

QtPyVenv::Installer RequirementsPage::chosenInstaller() const
{
    return m_installer->currentData().value<QtPyVenv::Installer>();
}

void RequirementsPage::updateInstaller()
{
    if (!m_environment) {
        m_installerUsed->clear();
        return;
    }
    QtPyVenv::Config config = m_environment->installConfig();
    config.installer = chosenInstaller();
    m_installerUsed->setText(tr("uses %1").arg(installerDescription(config)));
}

bool RequirementsPage::canApply() const
{
    return m_apply->isEnabled();
}

void RequirementsPage::validate()
{
    const QList<RequirementProblem> problems = checkRequirementsText(m_editor->toPlainText());
    QList<QTextEdit::ExtraSelection> marks;
    QStringList lines;
    const QColor bad = stderrColor(palette());
    for (const RequirementProblem &problem : problems) {
        lines.append(tr("Line %1: %2").arg(problem.line).arg(problem.message));
        QTextEdit::ExtraSelection mark;
        mark.cursor = QTextCursor(m_editor->document()->findBlockByNumber(problem.line - 1));
        mark.cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
        mark.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        mark.format.setUnderlineColor(bad);
        mark.format.setToolTip(problem.message);
        marks.append(mark);
    }
    m_editor->setExtraSelections(marks);
    m_problems->setText(lines.join(QLatin1Char('\n')));
    m_problems->setStyleSheet(QStringLiteral("color: %1").arg(bad.name()));
    m_problems->setVisible(!lines.isEmpty());
    bool changed = false;
    if (m_environment) {
        const EnvironmentDefinition &d = m_environment->definition();
        changed = requirementsFromText(m_editor->toPlainText()) != d.requirements
            || m_indexUrl->text().trimmed() != d.indexUrl || m_findLinks->text().trimmed() != d.findLinks
            || chosenInstaller() != d.installer;
    }
    updateInstaller();
    m_apply->setEnabled(m_environment && problems.isEmpty()
                        && (changed || m_environment->status() == EnvStatus::Failed
                            || m_environment->status() == EnvStatus::Stopped || m_environment->changeFailed()));
    const bool ready = m_environment && m_environment->status() == EnvStatus::Ready;
    // The failure itself shows once, in the window's banner.
    const QString installed = ready && m_environment->changeFailed() ? tr("Not applied — the previous version runs")
                            : ready                                 ? tr("Installed")
                                                                    : QString();
    if (!isInstalling()) // while it installs, updateProgress() says how far it is
        m_phase->setText(changed ? tr("Changed — Apply to install") : installed);
    if (changed != m_unappliedChanges) {
        m_unappliedChanges = changed;
        Q_EMIT unappliedChangesChanged(changed);
    }
}

bool RequirementsPage::isInstalling() const
{
    const EnvStatus status = m_environment ? m_environment->status() : EnvStatus::Stopped;
    return status == EnvStatus::Starting || status == EnvStatus::Installing
        || (m_environment && m_environment->isApplyingChange());
}

void RequirementsPage::apply()
{
    if (!m_environment || !checkRequirementsText(m_editor->toPlainText()).isEmpty())
        return;
    EnvironmentDefinition definition = m_environment->definition();
    definition.requirements = requirementsFromText(m_editor->toPlainText());
    definition.indexUrl = m_indexUrl->text().trimmed();
    definition.findLinks = m_findLinks->text().trimmed();
    definition.installer = chosenInstaller();
    m_pipLog->clear();
    Q_EMIT applyRequested(definition);
}

void RequirementsPage::importFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        m_problems->setText(tr("Cannot read %1: %2").arg(path, file.errorString()));
        m_problems->show();
        return;
    }
    QStringList requirements;
    for (const QString &raw : QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'))) {
        const QString line = raw.trimmed();
        // Options of a requirements file that have a field here go there.
        if (line.startsWith(QLatin1String("--index-url ")) || line.startsWith(QLatin1String("-i ")))
            m_indexUrl->setText(line.section(QLatin1Char(' '), 1).trimmed());
        else if (line.startsWith(QLatin1String("--find-links ")) || line.startsWith(QLatin1String("-f ")))
            m_findLinks->setText(line.section(QLatin1Char(' '), 1).trimmed());
        else
            requirements.append(raw);
    }
    while (!requirements.isEmpty() && requirements.last().trimmed().isEmpty())
        requirements.removeLast();
    m_editor->setPlainText(requirements.join(QLatin1Char('\n')));
}

void RequirementsPage::exportFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text | QIODevice::Truncate))
        return;
    QString text;
    if (!m_indexUrl->text().trimmed().isEmpty())
        text += QStringLiteral("--index-url %1\n").arg(m_indexUrl->text().trimmed());
    if (!m_findLinks->text().trimmed().isEmpty())
        text += QStringLiteral("--find-links %1\n").arg(m_findLinks->text().trimmed());
    for (const QString &line : requirementsFromText(m_editor->toPlainText()))
        text += line + QLatin1Char('\n');
    file.write(text.toUtf8());
}

void RequirementsPage::appendPip(const QByteArray &data)
{
    QTextCursor cursor(m_pipLog->document());
    cursor.movePosition(QTextCursor::End);
    cursor.insertText(QString::fromUtf8(data.right(64 * 1024)));
    m_pipLog->ensureCursorVisible();
}

void RequirementsPage::updateProgress()
{
    const bool busy = isInstalling();
    m_busy->setVisible(busy);
    if (busy) {
        if (!m_elapsedTimer->isActive())
            m_elapsedTimer->start();
        const qint64 seconds = qMax<qint64>(0, m_environment->startElapsedMs() / 1000);
        // The library says which part of the start runs; pip's output says how far pip is.
        const std::optional<QtPyVenv::StartPhase> phase = m_environment->startPhase();
        if (!phase)
            m_phase->setText(tr("Starting — %1 s").arg(seconds));
        else if (*phase == QtPyVenv::StartPhase::Installing)
            m_phase->setText(tr("Installing — %1 — %2 s").arg(pipPhaseText(m_environment->installPhase())).arg(seconds));
        else
            m_phase->setText(tr("%1 — %2 s").arg(capitalized(startPhaseText(*phase))).arg(seconds));
    } else {
        m_elapsedTimer->stop(); // validate() says whether what is shown is installed
    }
    updatePackageButtons();
    validate();
}

} // namespace QtPyVenvApp
