// SPDX-License-Identifier: MIT
#include "requirements.h"

#include "definition.h"

#include <QRegularExpression>

#include <algorithm>
#include <initializer_list>
#include <optional>

namespace QtPyVenvApp {

QString checkRequirementLine(const QString &rawLine)
{
    const QString line = rawLine.trimmed();
    if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
        return {};
    if (line.startsWith(QLatin1Char('-'))) {
        const QString option = line.section(QLatin1Char(' '), 0, 0);
        if (option == QLatin1String("--index-url") || option == QLatin1String("-i")
            || option == QLatin1String("--find-links") || option == QLatin1String("-f")) {
            return QStringLiteral("\"%1\" is a pip option, not a requirement: use the Index URL / Find links fields below")
                .arg(option);
        }
        return QStringLiteral("\"%1\" is a pip option, not a requirement: only package specifiers go here "
                              "(e.g. numpy>=1.26)")
            .arg(option);
    }
    // PEP 508: name [extras] (version specifiers | @ url) [; markers]
    static const QRegularExpression name(QStringLiteral("^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\\s*"));
    const QRegularExpressionMatch m = name.match(line);
    if (!m.hasMatch())
        return QStringLiteral("a requirement starts with a package name (letters, digits, '.', '_', '-')");
    QString rest = line.mid(m.capturedLength());
    const qsizetype comment = rest.indexOf(QStringLiteral(" #"));
    if (comment >= 0)
        rest = rest.left(comment).trimmed();
    const qsizetype marker = rest.indexOf(QLatin1Char(';'));
    if (marker >= 0) {
        if (rest.mid(marker + 1).trimmed().isEmpty())
            return QStringLiteral("an environment marker follows ';' (e.g. ; python_version >= \"3.10\")");
        rest = rest.left(marker).trimmed();
    }
    if (rest.startsWith(QLatin1Char('['))) {
        const qsizetype close = rest.indexOf(QLatin1Char(']'));
        if (close < 0)
            return QStringLiteral("the extras list has no closing ']'");
        static const QRegularExpression extras(QStringLiteral("^\\s*[A-Za-z0-9._-]+(\\s*,\\s*[A-Za-z0-9._-]+)*\\s*$"));
        if (!extras.match(rest.mid(1, close - 1)).hasMatch())
            return QStringLiteral("extras are comma-separated names, e.g. requests[socks,security]");
        rest = rest.mid(close + 1).trimmed();
    }
    if (rest.isEmpty())
        return {};
    if (rest.startsWith(QLatin1Char('@'))) {
        if (rest.mid(1).trimmed().isEmpty())
            return QStringLiteral("a URL follows '@' (e.g. name @ https://.../name.whl)");
        return {};
    }
    if (rest.startsWith(QLatin1Char('(')) && rest.endsWith(QLatin1Char(')')))
        rest = rest.mid(1, rest.size() - 2);
    static const QRegularExpression spec(
        QStringLiteral("^\\s*(===|==|!=|~=|<=|>=|<|>)\\s*[A-Za-z0-9.*+!_-]+\\s*$"));
    for (const QString &clause : rest.split(QLatin1Char(','))) {
        if (!spec.match(clause).hasMatch()) {
            if (clause.trimmed().startsWith(QLatin1Char('=')) && !clause.trimmed().startsWith(QStringLiteral("==")))
                return QStringLiteral("\"%1\": use '==' to pin a version").arg(clause.trimmed());
            return QStringLiteral("\"%1\" is not a version specifier (e.g. >=1.2, ==2.0.*, <3)").arg(clause.trimmed());
        }
    }
    return {};
}

QList<RequirementProblem> checkRequirementsText(const QString &text)
{
    QList<RequirementProblem> problems;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (const QString message = checkRequirementLine(lines[i]); !message.isEmpty())
            problems.append({int(i + 1), message});
    }
    return problems;
}

QStringList requirementsFromText(const QString &text)
{
    // pip gets each requirement as an argument, where a comment is no comment: drop it, as
    // pip does in a requirements file ('#' after a space).
    static const QRegularExpression comment(QStringLiteral("\\s+#.*$"));
    QStringList requirements;
    for (const QString &raw : text.split(QLatin1Char('\n'))) {
        const QString line = raw.trimmed().remove(comment);
        if (!line.isEmpty() && !line.startsWith(QLatin1Char('#')))
            requirements.append(line);
    }
    return requirements;
}

namespace {

//! A requirement line in three pieces: head (indentation, name, extras), the version specifier
//! or "@ url", and the tail (marker and comment, with the spaces before them).
struct RequirementParts {
    QString head;
    QString specifier;
    QString tail;
};

std::optional<RequirementParts> splitRequirement(const QString &line)
{
    static const QRegularExpression head(
        QStringLiteral("^\\s*[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\\s*\\[[^\\]]*\\])?"));
    const QRegularExpressionMatch m = head.match(line);
    if (!m.hasMatch())
        return std::nullopt;
    const QString rest = line.mid(m.capturedLength());
    // A marker begins at ';', a comment at '#' after a space (a URL may hold "#egg=").
    static const QRegularExpression tail(QStringLiteral("\\s*;|\\s+#"));
    qsizetype tailStart = rest.indexOf(tail);
    if (tailStart < 0)
        tailStart = rest.size();
    return RequirementParts{m.captured(), rest.left(tailStart).trimmed(), rest.mid(tailStart)};
}

} // namespace

QString normalizedPackageName(const QString &name)
{
    static const QRegularExpression separators(QStringLiteral("[-_.]+"));
    return name.trimmed().toLower().replace(separators, QStringLiteral("-"));
}

QString requirementName(const QString &line)
{
    const QString trimmed = line.trimmed();
    if (trimmed.isEmpty() || trimmed.startsWith(QLatin1Char('#')) || trimmed.startsWith(QLatin1Char('-')))
        return {};
    static const QRegularExpression name(QStringLiteral("^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"));
    return name.match(trimmed).captured();
}

qsizetype findRequirementLine(const QString &text, const QString &package)
{
    const QString wanted = normalizedPackageName(package);
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString name = requirementName(lines[i]);
        if (!name.isEmpty() && normalizedPackageName(name) == wanted)
            return i;
    }
    return -1;
}

QString replaceSpecifier(const QString &line, const QString &specifier)
{
    const std::optional<RequirementParts> parts = splitRequirement(line);
    if (!parts)
        return line;
    return parts->head + specifier + parts->tail;
}

QString upgradeSpecifier(const QString &line, const QString &version)
{
    const std::optional<RequirementParts> parts = splitRequirement(line);
    QString specifier = parts ? parts->specifier : QString();
    if (specifier.startsWith(QLatin1Char('(')) && specifier.endsWith(QLatin1Char(')')))
        specifier = specifier.mid(1, specifier.size() - 2).trimmed();
    // One exact version ("==1.2", not "==1.*" or "==1.2,<2") stays an exact version.
    static const QRegularExpression pinned(QStringLiteral("^===?\\s*[^,*\\s]+$"));
    return (pinned.match(specifier).hasMatch() ? QStringLiteral("==") : QStringLiteral(">=")) + version;
}

QString withRequirementSpecifier(const QString &text, const QString &package, const QString &specifier)
{
    QStringList lines = text.split(QLatin1Char('\n'));
    if (const qsizetype index = findRequirementLine(text, package); index >= 0) {
        lines[index] = replaceSpecifier(lines[index], specifier);
        return lines.join(QLatin1Char('\n'));
    }
    const QString separator = text.isEmpty() || text.endsWith(QLatin1Char('\n')) ? QString() : QStringLiteral("\n");
    return text + separator + package.trimmed() + specifier;
}

QString withoutRequirement(const QString &text, const QString &package)
{
    QStringList lines = text.split(QLatin1Char('\n'));
    const QString wanted = normalizedPackageName(package);
    lines.removeIf([&wanted](const QString &line) {
        const QString name = requirementName(line);
        return !name.isEmpty() && normalizedPackageName(name) == wanted;
    });
    return lines.join(QLatin1Char('\n'));
}

PipPhase pipPhaseOfLine(const QString &raw)
{
    const QString line = raw.trimmed();
    auto startsWithAny = [&line](std::initializer_list<const char *> prefixes) {
        return std::any_of(prefixes.begin(), prefixes.end(),
                           [&line](const char *prefix) { return line.startsWith(QLatin1String(prefix)); });
    };
    // pip's lines, then uv's: uv reports each step once it is over ("Resolved", "Prepared"), so
    // its line names the phase that begins next.
    // uv lists what changed as " + numpy==1.26.4" and " - numpy==1.26.3" (a local one ends in
    // "(from file:///…)"); pip's resolver explains conflicts with "- x==1 depends on …".
    static const QRegularExpression changedPackage(
        QStringLiteral("^([+-]) [A-Za-z0-9._-]+==\\S+( \\(from .*\\))?$"));
    const QRegularExpressionMatch changed = changedPackage.match(line);
    if (startsWithAny({"Successfully installed", "Installed ", "Audited "})
        || (changed.hasMatch() && changed.captured(1) == QLatin1String("+")))
        return PipPhase::Done;
    if (startsWithAny({"Installing collected packages", "Prepared ", "Uninstalled "}) || changed.hasMatch())
        return PipPhase::Installing;
    if (startsWithAny({"Building wheel", "Preparing metadata", "Building ", "Built "}))
        return PipPhase::Building;
    if (startsWithAny({"Downloading", "Using cached", "Downloaded ", "Resolved "}))
        return PipPhase::Downloading;
    if (startsWithAny({"Collecting", "Looking in", "Requirement already satisfied", "Processing"}))
        return PipPhase::Resolving;
    if (startsWithAny({"Using CPython", "Using Python", "Creating virtual environment"}))
        return PipPhase::CreatingVenv;
    return PipPhase::None;
}

bool pipOutputLooksOffline(const QString &output)
{
    static const QRegularExpression offline(QStringLiteral(
        "NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|"
        "Name or service not known|Network is unreachable|ConnectTimeoutError|ProxyError|No route to host"));
    return offline.match(output).hasMatch();
}

QString lastLines(const QString &output, int count)
{
    const QStringList lines = output.trimmed().split(QLatin1Char('\n'));
    return lines.mid(qMax(0, int(lines.size()) - count)).join(QLatin1Char('\n'));
}

QString pipPhaseText(PipPhase phase)
{
    switch (phase) {
    case PipPhase::None: return QStringLiteral("preparing");
    case PipPhase::CreatingVenv: return QStringLiteral("creating venv");
    case PipPhase::Resolving: return QStringLiteral("resolving");
    case PipPhase::Downloading: return QStringLiteral("downloading");
    case PipPhase::Building: return QStringLiteral("building");
    case PipPhase::Installing: return QStringLiteral("installing");
    case PipPhase::Done: return QStringLiteral("done");
    }
    return {};
}

QString installerDescription(const QtPyVenv::Config &config)
{
    if (QtPyVenv::resolvedInstaller(config) == QtPyVenv::Installer::Pip)
        return QStringLiteral("pip");
    const QString uv = QtPyVenv::uvExecutable(config);
    if (uv.isEmpty())
        return QStringLiteral("uv (not found: fetch it or put it on PATH)");
    return QStringLiteral("uv (%1)").arg(displayPath(uv));
}

QString startPhaseText(QtPyVenv::StartPhase phase)
{
    switch (phase) {
    case QtPyVenv::StartPhase::CreatingVenv: return QStringLiteral("creating venv");
    case QtPyVenv::StartPhase::Installing: return QStringLiteral("installing");
    case QtPyVenv::StartPhase::Launching: return QStringLiteral("launching");
    case QtPyVenv::StartPhase::Waiting: return QStringLiteral("waiting in the queue");
    }
    return {};
}

} // namespace QtPyVenvApp
