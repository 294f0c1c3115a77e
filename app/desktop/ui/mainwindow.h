// SPDX-License-Identifier: MIT
#pragma once

#include "core/environment.h"

#include <QMainWindow>
#include <QPointer>

class QAction;
class QLabel;
class QTabWidget;
class QTimer;
class QTreeView;

namespace QtPyVenvApp {

class Banner;
class CallsPage;

class EnvironmentManager;
class FunctionsPage;
class OutputView;
class RequirementsPage;
class SourcesPage;
class UvOfferBar;

/*!
 * The main window: environments on the left, the current one's tabs on the right
 * (Requirements, Sources, Functions, Calls, Output), a banner when it died, the one-time offer
 * to fetch uv, and a status bar. Drives an EnvironmentManager it does not own; never blocks the
 * GUI thread, not even in closeEvent(), which has every worker stopped
 * (EnvironmentManager::beginShutdown()) without waiting.
 */
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    enum Tab { RequirementsTab, SourcesTab, FunctionsTab, CallsTab, OutputTab };
    Q_ENUM(Tab)

    explicit MainWindow(EnvironmentManager *manager, QWidget *parent = nullptr);
    ~MainWindow() override;

    Environment *currentEnvironment() const { return m_current; }
    void setCurrentEnvironment(const QString &id);
    void showTab(Tab tab);

    FunctionsPage *functionsPage() const { return m_functions; }
    CallsPage *callsPage() const { return m_calls; }
    OutputView *outputView() const { return m_output; }
    RequirementsPage *requirementsPage() const { return m_requirements; }
    SourcesPage *sourcesPage() const { return m_sources; }
    Banner *banner() const { return m_banner; }
    UvOfferBar *uvOffer() const { return m_uvOffer; }
    QTreeView *environmentView() const { return m_list; }
    //! The status bar's text, joined, for tests.
    QString statusText() const;

public Q_SLOTS:
    void newEnvironment();
    //! Adopts a venv or conda environment folder the user already has.
    void addExistingEnvironment();
    //! Edits the current environment's name and where it runs; a started one restarts with it.
    void editEnvironment();
    void duplicateEnvironment();
    void removeEnvironment();
    void startEnvironment();
    void stopEnvironment();
    void restartEnvironment();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void updateActions();
    void updateStatus();
    void updateTitle();
    void updateBanner();
    void onCurrentRowChanged();
    void askInstallPermission();
    //! The environments' names but \a except's: names a dialog must not give again.
    QStringList takenNames(const Environment *except) const;
    //! The list's context menu: what can be done with the row at \a position, or New.
    void showEnvironmentMenu(const QPoint &position);

    EnvironmentManager *m_manager;
    QPointer<Environment> m_current;
    QTreeView *m_list;
    QTabWidget *m_tabs;
    Banner *m_banner;
    UvOfferBar *m_uvOffer;
    RequirementsPage *m_requirements;
    SourcesPage *m_sources;
    FunctionsPage *m_functions;
    CallsPage *m_calls;
    OutputView *m_output;
    QLabel *m_statusState;
    QLabel *m_statusPid;
    QLabel *m_statusUptime;
    QLabel *m_statusCalls;
    QTimer *m_statusTimer;
    QAction *m_newAction = nullptr;
    QAction *m_addExistingAction = nullptr;
    QAction *m_editAction = nullptr;
    QAction *m_duplicateAction = nullptr;
    QAction *m_removeAction = nullptr;
    QAction *m_startAction = nullptr;
    QAction *m_stopAction = nullptr;
    QAction *m_restartAction = nullptr;
};

} // namespace QtPyVenvApp
