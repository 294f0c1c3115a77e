// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/venv.h>

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace QtPyVenvApp {

/*! What the user defined for one environment: persisted, plain data. */
struct EnvironmentDefinition {
    QString id;          //!< stable, unique; names the venv folder
    QString name;        //!< shown in the list and the window title
    QString interpreter = QStringLiteral("python3"); //!< bootstrap Python: name on PATH or a path
    QString baseDir;     //!< venv folder; empty: AppDataLocation/venvs/<id>
    QStringList sources; //!< .py file paths, loaded in this order
    QStringList requirements; //!< pip requirement lines
    QString indexUrl;    //!< pip --index-url, empty for the default
    QString findLinks;   //!< pip --find-links, empty for none
    //! Which tool creates the venv and installs (Config::installer); Auto: uv when the app or
    //! PATH has it.
    QtPyVenv::Installer installer = QtPyVenv::Installer::Auto;
    //! The command prefix the worker runs through (Config::launcher); empty: this computer.
    QStringList launcher;
    bool autoStart = true; //!< started when the app starts (cleared by Stop, set by Start)
    //! The worker's Python version at its last Ready (Venv::pythonVersion()), shown while it
    //! is not running; empty until the first start. Kept by the Environment, not user-edited.
    QString pythonVersion;
    //! A venv or conda environment folder the user already had, adopted with "Add existing…"
    //! (Config::venvDir): used instead of a venv of the app's, never removed by the app. Empty
    //! for the app's own venvs.
    QString existingDir;
    //! The user allowed installing the requirements into existingDir
    //! (Config::installIntoExistingVenv); asked once, when they first would install.
    bool installIntoExisting = false;

    bool isAdopted() const { return !existingDir.isEmpty(); }
    //! The pip options the index URL and find-links fields stand for.
    QStringList pipOptions() const;
    QJsonObject toJson() const;
    static EnvironmentDefinition fromJson(const QJsonObject &object);
    friend bool operator==(const EnvironmentDefinition &, const EnvironmentDefinition &) = default;
};

/*! Where the app keeps its files. Tests point both at a QTemporaryDir. */
struct AppPaths {
    QString configDir; //!< holds environments.json and sessions/<id>.json
    QString dataDir;   //!< holds venvs/<id>/ and the demo sources
    //! Holds the tools the app fetched for itself (bin/uv); empty: dataDir/tools.
    QString toolsDir;
    //! QStandardPaths::AppConfigLocation and AppDataLocation.
    static AppPaths standard();
    QString definitionsFile() const;
    //! The console history and typed arguments of environment \a id (EnvironmentSession).
    QString sessionFile(const QString &id) const;
    QString defaultBaseDir(const QString &id) const;
    //! The app's remembered answers (e.g. to the offer to fetch uv), an INI file.
    QString settingsFile() const;
    //! toolsDir, or dataDir/tools when it is empty.
    QString toolsFolder() const;
    //! Where the app puts the executables it fetched: Config::toolSearchPaths.
    QString toolBinDir() const;
};

/*! The persisted list of environments and which one was current. */
struct Definitions {
    QList<EnvironmentDefinition> environments;
    QString currentId;
};

//! Reads \a path; \a exists tells whether there was a file (first launch when false).
Definitions loadDefinitions(const QString &path, bool *exists = nullptr, QString *error = nullptr);
//! Writes atomically (QSaveFile); false with \a error on failure.
bool saveDefinitions(const QString &path, const Definitions &definitions, QString *error = nullptr);
//! Writes \a root to \a path atomically (QSaveFile), creating the folder; false with \a error on failure.
bool writeJsonFile(const QString &path, const QJsonObject &root, QString *error = nullptr);
//! "auto", "pip" or "uv": how definitions store \a installer.
QString installerKey(QtPyVenv::Installer installer);
//! The Installer \a key names; Auto for an unknown key.
QtPyVenv::Installer installerFromKey(const QString &key);
//! \a path for showing: under the home folder as "~/…".
QString displayPath(const QString &path);
//! A fresh id: a short random hex string.
QString newEnvironmentId();
//! Why \a name cannot name an environment (empty, or one of \a takenNames), in a sentence; "" when it can.
QString environmentNameProblem(const QString &name, const QStringList &takenNames);

} // namespace QtPyVenvApp
