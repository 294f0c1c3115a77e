// SPDX-License-Identifier: MIT
#pragma once

#include "core/environment.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableView;
class QTimer;

namespace QtPyVenvApp {


class PackageModel;
struct EnvironmentDefinition;

/*!
 * The Requirements tab: requirement lines validated inline, import/export of
 * requirements.txt, index URL and find-links, Apply (restarts the environment, which
 * installs), live pip output, the start's phase (creating venv / installing with pip's own
 * phase / launching) and elapsed time, a failure view, and the
 * packages installed in the venv.
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

public Q_SLOTS:
    void apply();
    void importFile(const QString &path);
    void exportFile(const QString &path);

Q_SIGNALS:
    //! The user applied \a definition: save it and restart the environment.
    void applyRequested(const QtPyVenvApp::EnvironmentDefinition &definition);
    //! hasUnappliedChanges() became \a unapplied: the user edited, applied or switched environment.
    void unappliedChangesChanged(bool unapplied);

private:
    QWidget *createEditorPane();
    QWidget *createInstallPane();
    QWidget *createPackagesPane();
    void load();
    void validate();
    void updateProgress();
    bool isInstalling() const;
    void appendPip(const QByteArray &data);

    QPointer<Environment> m_environment;
    QPlainTextEdit *m_editor;
    QLabel *m_problems;
    QLineEdit *m_indexUrl;
    QLineEdit *m_findLinks;
    QPushButton *m_apply;
    QProgressBar *m_busy;
    QLabel *m_phase;
    QPlainTextEdit *m_pipLog;
    QLabel *m_failure;
    PackageModel *m_packages;
    QTableView *m_packageView;
    QTimer *m_elapsedTimer;
    bool m_unappliedChanges = false;
};

} // namespace QtPyVenvApp
