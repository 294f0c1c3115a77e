// SPDX-License-Identifier: MIT
#pragma once

#include "core/environment.h"

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableView;
class QTimer;

namespace QtPyVenvApp {


class PackageIndex;
class PackageModel;
struct EnvironmentDefinition;

/*!
 * The Requirements tab: requirement lines validated inline, import/export of
 * requirements.txt, index URL and find-links, Apply (restarts the environment, which
 * installs), the installer (Auto, pip or uv) and which one a start uses, live pip output, the start's phase (creating venv / installing with pip's own
 * phase / launching) and elapsed time, and the packages installed in the venv, with their
 * latest versions on demand, Upgrade, Remove and Add package…: each edits the requirements
 * shown and applies them as Apply does. A failed install shows in the window's banner.
 */
class RequirementsPage : public QWidget
{
    Q_OBJECT

public:
    explicit RequirementsPage(QWidget *parent = nullptr);
    void setEnvironment(Environment *environment);
    QPlainTextEdit *editor() const { return m_editor; }
    QString problemsText() const;
    //! The phase label: "Creating venv — 3 s", "Installing — downloading — 5 s", "Launching — 6 s".
    QString phaseText() const;
    bool canApply() const;
    //! True while the requirements, index URL or find-links shown differ from the environment's.
    bool hasUnappliedChanges() const { return m_unappliedChanges; }
    PackageModel *packageModel() const { return m_packages; }
    //! "uses uv (~/.local/share/qtpyvenv/tools/bin/uv)" or "uses pip": what a start with the
    //! installer choice shown would use.
    QString installerText() const;
    QComboBox *installerChoice() const { return m_installer; }
    //! What the packages actions last said: a lookup's failure, why a package cannot be removed.
    QString packageStatusText() const;

public Q_SLOTS:
    void apply();
    void importFile(const QString &path);
    void exportFile(const QString &path);
    //! Says again which installer a start uses: uv may have appeared (or gone) since.
    void updateInstaller();
    //! Looks up the latest version of every installed package (PackageIndex, in the background).
    void checkForUpdates();
    //! Raises \a package's requirement to its latest version (or adds it) and applies.
    void upgradePackage(const QString &package);
    //! Asks, then uninstalls \a package, removes its requirement and applies; a package that
    //! is no requirement (a dependency) is only explained in packageStatusText(), and one that
    //! another package needs loses its line but stays installed.
    void removePackage(const QString &package);
    //! Opens the "Add package…" dialog (non-modal to the event loop: its result applies).
    void addPackage();

Q_SIGNALS:
    //! The user applied \a definition: save it and restart the environment.
    void applyRequested(const QtPyVenvApp::EnvironmentDefinition &definition);
    //! hasUnappliedChanges() became \a unapplied: the user edited, applied or switched environment.
    void unappliedChangesChanged(bool unapplied);

private:
    QWidget *createEditorPane();
    QWidget *createInstallPane();
    QWidget *createPackagesPane();
    QtPyVenv::Installer chosenInstaller() const;
    void load();
    void validate();
    void updateProgress();
    bool isInstalling() const;
    void appendPip(const QByteArray &data);
    QWidget *createPackageButtons();
    void updatePackageButtons();
    QString selectedPackage() const;
    void setPackageStatus(const QString &text, bool error);
    //! Shows \a text as the requirements and applies it; false when it has problems.
    bool applyRequirementsText(const QString &text);
    void uninstallThenRemove(const QString &package);
    void onPackageUninstalled(const QString &package, const QString &error);

    QPointer<Environment> m_environment;
    QPlainTextEdit *m_editor;
    QLabel *m_problems;
    QLineEdit *m_indexUrl;
    QLineEdit *m_findLinks;
    QComboBox *m_installer;
    QLabel *m_installerUsed;
    QPushButton *m_apply;
    QProgressBar *m_busy;
    QLabel *m_phase;
    QPlainTextEdit *m_pipLog;
    PackageModel *m_packages;
    QTableView *m_packageView;
    PackageIndex *m_updates;
    QPushButton *m_checkUpdates;
    QPushButton *m_upgrade;
    QPushButton *m_remove;
    QLabel *m_packageStatus;
    bool m_uninstalling = false;
    QTimer *m_elapsedTimer;
    bool m_unappliedChanges = false;
};

} // namespace QtPyVenvApp
