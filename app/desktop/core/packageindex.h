// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

namespace QtPyVenvApp {

class ToolProcess;

/*! What `pip index versions NAME` said about one package. */
struct IndexVersions {
    QString name;        //!< the name as pip printed it (the one asked), trimmed
    QStringList versions; //!< newest first, as pip lists them
    QString error;       //!< readable, empty on success
    bool ok() const { return error.isEmpty(); }
};

//! Reads the output of `python -m pip index versions package` that exited with \a exitCode.
IndexVersions parseIndexVersions(const QString &python, const QString &package, int exitCode, const QString &output);
//! The options of \a pipOptions that say where pip finds packages (--index-url,
//! --extra-index-url, --find-links, --no-index, with their values), in order.
QStringList findingOptions(const QStringList &pipOptions);
//! True when version \a candidate is newer than \a installed (release numbers first; a final
//! release is newer than its pre-releases).
bool isNewerVersion(const QString &candidate, const QString &installed);

/*!
 * Looks up the versions a package index (or a find-links folder) has, with an environment's
 * bootstrap interpreter: `python -m pip index versions NAME` plus the environment's finding
 * options, a few at a time, each under QProcess with a timeout. Never blocks; results arrive
 * with found() or failed(), once per lookUp().
 *
 * \code
 * PackageIndex index;
 * index.setInterpreter(definition.interpreter);
 * index.setPipOptions(definition.pipOptions());
 * connect(&index, &PackageIndex::found, ...);
 * index.lookUp(QStringLiteral("numpy"));
 * \endcode
 */
class PackageIndex : public QObject
{
    Q_OBJECT

public:
    explicit PackageIndex(QObject *parent = nullptr);
    //! Kills the lookups still running: no pip outlives the index.
    ~PackageIndex() override;

    //! The bootstrap interpreter (a name on PATH or a path); for the next lookups.
    void setInterpreter(const QString &python) { m_python = python; }
    //! The environment's pip options; only findingOptions() of them are passed.
    void setPipOptions(const QStringList &options) { m_options = findingOptions(options); }
    //! How long one lookup may take before it is killed and fails; 60 s by default.
    void setTimeout(int milliseconds) { m_timeoutMs = milliseconds; }
    //! Queues a lookup of \a package; at most a few pips run at once.
    void lookUp(const QString &package);
    //! Drops the queued lookups and kills the running ones; they report nothing.
    void cancel();
    bool isBusy() const { return !m_running.isEmpty() || !m_queue.isEmpty(); }
    //! The arguments a lookup of \a package passes to pip.
    QStringList arguments(const QString &package) const;

Q_SIGNALS:
    //! The index has \a versions (newest first) of \a package, which pip printed as \a name.
    void found(const QString &package, const QString &name, const QStringList &versions);
    //! Looking \a package up failed: not on the index, no pip, a timeout...; \a message says which.
    void failed(const QString &package, const QString &message);
    //! The last queued lookup reported.
    void idle();

private:
    void startNext();
    void finish(ToolProcess *pip, const IndexVersions &result);

    QString m_python = QStringLiteral("python3");
    QStringList m_options;
    int m_timeoutMs = 60000;
    QStringList m_queue;
    QHash<ToolProcess *, QString> m_running; // pip -> package
};

} // namespace QtPyVenvApp
