// SPDX-License-Identifier: MIT
#pragma once

#include "definition.h"
#include "environmentlistmodel.h"

#include <QList>
#include <QObject>

namespace QtPyVenvApp {

class Environment;
class VenvReaper;

/*!
 * All environments of the app: their definitions (persisted as JSON in the config dir),
 * their run-time Environment objects and the list model the window shows.
 *
 * \code
 * EnvironmentManager manager(AppPaths::standard());
 * manager.load();           // first launch: creates the "demo" environment
 * manager.startAutoStart(); // warm-starts what ran last time
 * \endcode
 */
class EnvironmentManager : public QObject
{
    Q_OBJECT

public:
    explicit EnvironmentManager(const AppPaths &paths, QObject *parent = nullptr);
    //! Same as shutdown().
    ~EnvironmentManager() override;

    /*!
     * Reads the definitions. On first launch (no file yet) creates the "demo" environment
     * from the bundled demo sources and saves. Returns false with \a error when the file
     * exists but cannot be read (the app then starts with no environments).
     */
    bool load(QString *error = nullptr);
    //! Starts every environment whose definition has autoStart.
    void startAutoStart();
    bool isFirstLaunch() const { return m_firstLaunch; }

    const AppPaths &paths() const { return m_paths; }
    EnvironmentListModel *model() const { return m_model; }
    VenvReaper *reaper() const { return m_reaper; }
    QList<Environment *> environments() const { return m_environments; }
    Environment *environment(const QString &id) const;

    //! Adds \a definition (a fresh id when it has none, no remembered Python version) and
    //! saves; starts nothing.
    Environment *add(EnvironmentDefinition definition);
    //! A copy of \a id's definition under a new id and name, with its own venv folder.
    Environment *duplicate(const QString &id);
    //! Stops and forgets \a id; removes its venv folder too when \a deleteFolder.
    void remove(const QString &id, bool deleteFolder);
    //! Replaces \a id's definition (keeping its id) and saves.
    void updateDefinition(const EnvironmentDefinition &definition);
    /*!
     * updateDefinition(), then a restart of a started environment when more than its name
     * changed, so the change takes effect: a Ready one keeps its worker until the new one is
     * Ready, and keeps it when the new one fails (Environment::restart()).
     */
    void applyDefinition(const EnvironmentDefinition &definition);

    //! Starts \a id and remembers to start it with the app.
    void start(const QString &id);
    //! Stops \a id and remembers not to start it with the app.
    void stop(const QString &id);
    void restart(const QString &id);

    QString currentId() const { return m_currentId; }
    void setCurrentId(const QString &id);

    //! Writes the definitions file now (it is also written after every change).
    bool save(QString *error = nullptr);
    //! Writes each environment's console history and typed arguments (AppPaths::sessionFile()).
    void saveSessions();
    /*!
     * Saves the sessions, then stops every worker and blocks until they are gone: for quitting, so no Python
     * process outlives the app. Idempotent.
     */
    void shutdown();
    /*!
     * Saves the sessions and hands every worker to the reaper, which closes them all at once
     * off the GUI thread; returns at once. shutDown() follows when they are all gone.
     * For quitting without blocking the GUI thread. Idempotent.
     */
    void beginShutdown();

    //! The definition of the first-launch demo; copies the bundled sources to dataDir/demo.
    EnvironmentDefinition makeDemoDefinition() const;
    //! Python interpreters found on PATH (python3, python3.X), resolved and deduplicated.
    static QStringList findPythons();

Q_SIGNALS:
    void environmentAdded(QtPyVenvApp::Environment *environment);
    void environmentRemoved(const QString &id);
    //! After beginShutdown(): every worker is gone.
    void shutDown();

private:
    Environment *createEnvironment(const EnvironmentDefinition &definition);
    void onAllReaped();

    AppPaths m_paths;
    EnvironmentListModel *m_model;
    VenvReaper *m_reaper;
    QList<Environment *> m_environments;
    QString m_currentId;
    bool m_firstLaunch = false;
    bool m_shuttingDown = false;
};

} // namespace QtPyVenvApp
