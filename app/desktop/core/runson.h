// SPDX-License-Identifier: MIT
// Where an environment's worker runs: the "Runs on" choice of the New environment dialog, the
// Config::launcher it stands for, and the words the list and the status bar use for it.
#pragma once

#include <QString>
#include <QStringList>

namespace QtPyVenv {
struct Error;
}

namespace QtPyVenvApp {

/*! The "Runs on" fields as the user fills them in; options are typed as on a shell line. */
struct RunsOn {
    enum class Kind { ThisComputer, Ssh, Slurm, Custom };
    Kind kind = Kind::ThisComputer;
    QString sshTarget;    //!< Ssh: user@host or a Host of ~/.ssh/config
    QString sshOptions;   //!< Ssh: extra ssh options, e.g. "-p 2222 -i ~/.ssh/gpu"
    QString srunOptions;  //!< Slurm: e.g. "-p gpu --gres=gpu:1"
    QString loginNode;    //!< Slurm: an SSH login node to run srun on; empty: srun here
    QString command;      //!< Custom: a command prefix, e.g. "docker exec -i box"
    friend bool operator==(const RunsOn &, const RunsOn &) = default;
};

/*!
 * Splits \a text into arguments as a POSIX shell would: blanks separate, single quotes keep
 * everything, double quotes and a backslash keep blanks. No variables, globs or ~. An
 * unclosed quote sets \a error and gives the arguments up to it.
 */
QStringList splitShellWords(const QString &text, QString *error = nullptr);
//! \a words as one line splitShellWords() reads back, quoting only what needs it.
QString joinShellWords(const QStringList &words);

/*!
 * The Config::launcher \a runsOn stands for: {} for this computer, {"ssh", options..., target},
 * {"srun", options..., "-u"} or {"ssh", login, "srun", options..., "-u"}, the custom command's
 * words. Sets \a error (and returns {}) when a needed field is empty or a quote is unclosed.
 */
QStringList launcherFor(const RunsOn &runsOn, QString *error = nullptr);
//! The fields that give \a launcher back through launcherFor(); Custom when it is no known form.
RunsOn runsOnFor(const QStringList &launcher);
//! Where \a launcher runs, in a few words: "this computer", "ssh gpu-box", "slurm", "custom: …".
QString runsOnText(const QStringList &launcher);
//! The launcher's last stderr lines that \a error carries (ssh's "Permission denied"); "" if none.
QString launcherMessages(const QtPyVenv::Error &error);
/*!
 * \a error's message with the launcher's lines, all of them, below it rather than run into it;
 * without them when its traceback (the last stderr lines, shown beside it) holds them already.
 */
QString launcherErrorText(const QtPyVenv::Error &error);

} // namespace QtPyVenvApp
