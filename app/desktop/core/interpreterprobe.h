// SPDX-License-Identifier: MIT
#pragma once

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

namespace QtPyVenvApp {

/*! What running a Python interpreter told: its version, or why it does not run. */
struct InterpreterInfo {
    QString path;
    QString version; //!< e.g. "3.11.7"; empty when it does not run
    QString error;   //!< why it does not run; empty when it does
    bool runs() const { return !version.isEmpty(); }
};

/*!
 * Finds out, off the GUI thread, which Python interpreters run and their versions: each runs
 * as a QProcess, in parallel, with a deadline. Answers are cached for the app's lifetime by
 * path and modification time, so a dialog opened again shows them at once.
 *
 * \code
 * auto *probe = new InterpreterProbe(dialog);
 * connect(probe, &InterpreterProbe::probed, dialog, &Dialog::showVersion);
 * probe->probe(EnvironmentManager::findPythons());
 * \endcode
 */
class InterpreterProbe : public QObject
{
    Q_OBJECT

public:
    //! How long an interpreter may take to print its version.
    static constexpr int TimeoutMs = 5000;

    //! Destroying it kills the interpreters still running.
    explicit InterpreterProbe(QObject *parent = nullptr);

    //! Probes each of \a paths; probed() follows for each (queued, also for cached ones).
    void probe(const QStringList &paths);
    //! The cached answer for \a path, or one with neither version nor error when there is none.
    static InterpreterInfo cached(const QString &path);
    //! The interpreter of an environment folder, as the library picks it (Config::venvDir):
    //! bin/python, else bin/python3; "" when neither is an executable file.
    static QString environmentInterpreter(const QString &folder);

Q_SIGNALS:
    void probed(const QtPyVenvApp::InterpreterInfo &info);
    //! Every path given to probe() so far has been answered.
    void finished();

private:
    void run(const QString &path);
    void answer(const InterpreterInfo &info);
    static QString cacheKey(const QString &path);

    int m_pending = 0;
};

} // namespace QtPyVenvApp

Q_DECLARE_METATYPE(QtPyVenvApp::InterpreterInfo)
