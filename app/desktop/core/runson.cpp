// SPDX-License-Identifier: MIT
#include "runson.h"

#include <QtPyVenv/venv.h>

namespace QtPyVenvApp {

namespace {

const QString Ssh = QStringLiteral("ssh");
const QString Srun = QStringLiteral("srun");
const QString Unbuffered = QStringLiteral("-u");

// How the library appends them to the message of a startFailed() or died() (Config::launcher).
const QString LauncherSaid = QStringLiteral("; the launcher said: ");

//! Longest custom command the list shows before it elides it.
constexpr qsizetype CustomTextLength = 20;

//! Reads the shell words of a line one character at a time.
class ShellWordReader
{
public:
    explicit ShellWordReader(const QString &text) : m_text(text) {}

    QStringList read(QString *error)
    {
        for (m_at = 0; m_at < m_text.size(); ++m_at) {
            const QChar c = m_text.at(m_at);
            if (m_quote != QChar()) {
                readQuoted(c);
            } else if (c.isSpace()) {
                endWord();
            } else if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
                m_quote = c;
                m_inWord = true;
            } else if (c == QLatin1Char('\\') && m_at + 1 < m_text.size()) {
                append(m_text.at(++m_at));
            } else {
                append(c);
            }
        }
        if (m_quote != QChar() && error)
            *error = QStringLiteral("the quote %1 is not closed").arg(m_quote);
        if (m_quote == QChar())
            endWord();
        return m_words;
    }

private:
    void readQuoted(QChar c)
    {
        if (c == m_quote) {
            m_quote = QChar();
        } else if (m_quote == QLatin1Char('"') && c == QLatin1Char('\\') && m_at + 1 < m_text.size()
                   && QStringLiteral("\"\\$`").contains(m_text.at(m_at + 1))) {
            m_word += m_text.at(++m_at); // inside "", a backslash escapes only these
        } else {
            m_word += c;
        }
    }
    void append(QChar c)
    {
        m_word += c;
        m_inWord = true;
    }
    void endWord()
    {
        if (m_inWord)
            m_words.append(m_word);
        m_word.clear();
        m_inWord = false;
    }

    const QString &m_text;
    qsizetype m_at = 0;
    QChar m_quote;
    QString m_word;
    bool m_inWord = false; // also for "" and '', an empty word
    QStringList m_words;
};

QString quoteWord(const QString &word)
{
    static const QString plain = QStringLiteral("@%+=:,./-_");
    const bool needsQuotes = word.isEmpty() || std::any_of(word.begin(), word.end(), [](QChar c) {
                                 return !(c.isLetterOrNumber() || plain.contains(c));
                             });
    if (!needsQuotes)
        return word;
    QString quoted = word;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

//! {"ssh", login, "srun", options..., "-u"} or {"srun", options..., "-u"}: the Slurm fields.
bool readSlurm(const QStringList &launcher, RunsOn *runsOn)
{
    const qsizetype srun = launcher.indexOf(Srun);
    const bool direct = srun == 0;
    const bool viaLogin = srun == 2 && launcher.first() == Ssh && !launcher.at(1).startsWith(QLatin1Char('-'));
    if (!(direct || viaLogin) || launcher.size() < srun + 2 || launcher.last() != Unbuffered)
        return false;
    runsOn->kind = RunsOn::Kind::Slurm;
    runsOn->loginNode = viaLogin ? launcher.at(1) : QString();
    const QStringList options = launcher.mid(srun + 1, launcher.size() - srun - 2);
    // Through ssh they are quoted for the login node's shell already (launcherFor()).
    runsOn->srunOptions = viaLogin ? options.join(QLatin1Char(' ')) : joinShellWords(options);
    return true;
}

//! {"ssh", options..., target}: the SSH fields.
bool readSsh(const QStringList &launcher, RunsOn *runsOn)
{
    if (launcher.size() < 2 || launcher.first() != Ssh || launcher.last().startsWith(QLatin1Char('-')))
        return false;
    runsOn->kind = RunsOn::Kind::Ssh;
    runsOn->sshTarget = launcher.last();
    runsOn->sshOptions = joinShellWords(launcher.mid(1, launcher.size() - 2));
    return true;
}

/*!
 * {"srun", options..., "-u"}, or through a login node {"ssh", login, "srun", options..., "-u"}:
 * ssh joins the words it runs into one line for the login node's shell, and the library
 * quotes only what it appends, so the options are quoted here.
 */
QStringList slurmLauncher(const RunsOn &runsOn, QString *problem)
{
    const QString login = runsOn.loginNode.trimmed();
    QStringList options = splitShellWords(runsOn.srunOptions, problem);
    if (login.isEmpty())
        return QStringList{Srun} + options + QStringList{Unbuffered};
    std::transform(options.begin(), options.end(), options.begin(), quoteWord);
    return QStringList{Ssh, login, Srun} + options + QStringList{Unbuffered};
}

} // namespace

QStringList splitShellWords(const QString &text, QString *error)
{
    return ShellWordReader(text).read(error);
}

QString joinShellWords(const QStringList &words)
{
    QStringList quoted;
    for (const QString &word : words)
        quoted.append(quoteWord(word));
    return quoted.join(QLatin1Char(' '));
}

QStringList launcherFor(const RunsOn &runsOn, QString *error)
{
    QString problem;
    QStringList launcher;
    switch (runsOn.kind) {
    case RunsOn::Kind::ThisComputer:
        break;
    case RunsOn::Kind::Ssh:
        if (runsOn.sshTarget.trimmed().isEmpty())
            problem = QStringLiteral("Name the SSH host, e.g. user@host.");
        launcher << Ssh << splitShellWords(runsOn.sshOptions, &problem) << runsOn.sshTarget.trimmed();
        break;
    case RunsOn::Kind::Slurm:
        launcher = slurmLauncher(runsOn, &problem);
        break;
    case RunsOn::Kind::Custom:
        launcher = splitShellWords(runsOn.command, &problem);
        if (launcher.isEmpty() && problem.isEmpty())
            problem = QStringLiteral("Type the command that runs the worker, e.g. docker exec -i box.");
        break;
    }
    if (error)
        *error = problem;
    return problem.isEmpty() ? launcher : QStringList();
}

RunsOn runsOnFor(const QStringList &launcher)
{
    RunsOn runsOn;
    if (launcher.isEmpty() || readSlurm(launcher, &runsOn) || readSsh(launcher, &runsOn))
        return runsOn;
    runsOn.kind = RunsOn::Kind::Custom;
    runsOn.command = joinShellWords(launcher);
    return runsOn;
}

QString runsOnText(const QStringList &launcher)
{
    const RunsOn runsOn = runsOnFor(launcher);
    switch (runsOn.kind) {
    case RunsOn::Kind::ThisComputer: return QStringLiteral("this computer");
    case RunsOn::Kind::Ssh: return QStringLiteral("ssh %1").arg(runsOn.sshTarget);
    case RunsOn::Kind::Slurm:
        return runsOn.loginNode.isEmpty() ? QStringLiteral("slurm") : QStringLiteral("slurm via %1").arg(runsOn.loginNode);
    case RunsOn::Kind::Custom:
        if (runsOn.command.size() > CustomTextLength)
            return QStringLiteral("custom: %1…").arg(runsOn.command.left(CustomTextLength).trimmed());
        return QStringLiteral("custom: %1").arg(runsOn.command);
    }
    return {};
}

QString launcherMessages(const QtPyVenv::Error &error)
{
    const qsizetype at = error.message.indexOf(LauncherSaid);
    return at < 0 ? QString() : error.message.mid(at + LauncherSaid.size()).trimmed();
}

QString launcherErrorText(const QtPyVenv::Error &error)
{
    const QString messages = launcherMessages(error);
    if (messages.isEmpty())
        return error.message;
    const QString head = error.message.left(error.message.indexOf(LauncherSaid));
    // They came as stderr output, so the last stderr lines shown below the message hold them.
    if (error.traceback.contains(messages))
        return head + QLatin1Char('.');
    return QStringLiteral("%1. The launcher said:\n%2").arg(error.message.left(error.message.indexOf(LauncherSaid)), messages);
}

} // namespace QtPyVenvApp
