// SPDX-License-Identifier: MIT
#include "packageindex.h"

#include "toolprocess.h"
#include "requirements.h"

#include <QRegularExpression>
#include <QTimer>
#include <QVersionNumber>

namespace QtPyVenvApp {

namespace {

//! Enough to look a table of packages up quickly without a crowd of pips.
constexpr int MaxRunning = 4;

bool isPreRelease(const QString &suffix)
{
    static const QRegularExpression pre(QStringLiteral("^[._-]?(a|b|c|rc|alpha|beta|pre|preview|dev)"),
                                        QRegularExpression::CaseInsensitiveOption);
    return pre.match(suffix).hasMatch();
}

} // namespace

IndexVersions parseIndexVersions(const QString &python, const QString &package, int exitCode, const QString &output)
{
    IndexVersions result{package.trimmed(), {}, {}};
    static const QRegularExpression available(QStringLiteral("^Available versions:(.*)$"),
                                              QRegularExpression::MultilineOption);
    static const QRegularExpression header(QStringLiteral("^(\\S+) \\([^)]*\\)\\s*$"), QRegularExpression::MultilineOption);
    if (const QRegularExpressionMatch versions = available.match(output); exitCode == 0 && versions.hasMatch()) {
        for (const QString &version : versions.captured(1).split(QLatin1Char(','))) {
            if (!version.trimmed().isEmpty())
                result.versions.append(version.trimmed());
        }
        if (const QRegularExpressionMatch name = header.match(output); name.hasMatch())
            result.name = name.captured(1);
        if (!result.versions.isEmpty())
            return result;
    }
    if (output.contains(QLatin1String("No module named pip")))
        result.error = QObject::tr("%1 has no pip, so versions cannot be looked up: install it (e.g. the python3-pip package).")
                           .arg(python);
    else if (output.contains(QLatin1String("unknown command \"index\"")))
        result.error = QObject::tr("The pip of %1 is too old to look versions up (pip index needs pip 21.2 or newer).")
                           .arg(python);
    else if (output.contains(QLatin1String("No matching distribution found")))
        result.error = QObject::tr("No package \"%1\" on the package index (or in the find-links folder).").arg(result.name);
    else if (pipOutputLooksOffline(output))
        result.error = QObject::tr("No network: pip cannot reach the package index.");
    else
        result.error = QObject::tr("pip index versions %1 failed (exit code %2):\n%3")
                           .arg(result.name).arg(exitCode).arg(lastLines(output, 3));
    return result;
}

QStringList findingOptions(const QStringList &pipOptions)
{
    static const QStringList withValue{QStringLiteral("--index-url"), QStringLiteral("-i"),
                                       QStringLiteral("--extra-index-url"), QStringLiteral("--find-links"),
                                       QStringLiteral("-f")};
    QStringList options;
    for (qsizetype i = 0; i < pipOptions.size(); ++i) {
        const QString &option = pipOptions[i];
        const QString name = option.section(QLatin1Char('='), 0, 0);
        if (option == QLatin1String("--no-index")) {
            options << option;
        } else if (withValue.contains(name)) {
            options << option;
            if (!option.contains(QLatin1Char('=')) && i + 1 < pipOptions.size())
                options << pipOptions[++i]; // the value is the next entry
        }
    }
    return options;
}

bool isNewerVersion(const QString &candidate, const QString &installed)
{
    qsizetype candidateEnd = 0;
    qsizetype installedEnd = 0;
    const QVersionNumber a = QVersionNumber::fromString(candidate, &candidateEnd).normalized();
    const QVersionNumber b = QVersionNumber::fromString(installed, &installedEnd).normalized();
    if (const int order = QVersionNumber::compare(a, b); order != 0)
        return order > 0;
    const QString aSuffix = candidate.mid(candidateEnd);
    const QString bSuffix = installed.mid(installedEnd);
    if (aSuffix == bSuffix)
        return false;
    if (aSuffix.isEmpty()) // 1.0 after 1.0rc1, but not after 1.0.post1
        return isPreRelease(bSuffix);
    if (bSuffix.isEmpty())
        return !isPreRelease(aSuffix);
    return aSuffix > bSuffix;
}

PackageIndex::PackageIndex(QObject *parent)
    : QObject(parent)
{
}

PackageIndex::~PackageIndex()
{
    cancel();
}

QStringList PackageIndex::arguments(const QString &package) const
{
    return QStringList{QStringLiteral("index"), QStringLiteral("versions"), package.trimmed()} + m_options;
}

void PackageIndex::lookUp(const QString &package)
{
    m_queue.append(package);
    // Queued, so a caller can connect and queue more before the first result.
    QTimer::singleShot(0, this, &PackageIndex::startNext);
}

void PackageIndex::cancel()
{
    m_queue.clear();
    const QList<ToolProcess *> running = m_running.keys();
    m_running.clear();
    qDeleteAll(running); // kills each pip
}

void PackageIndex::startNext()
{
    while (m_running.size() < MaxRunning && !m_queue.isEmpty()) {
        const QString package = m_queue.takeFirst();
        auto *pip = new ToolProcess(m_python, ToolProcess::pipArguments(arguments(package)), m_timeoutMs, this);
        m_running.insert(pip, package);
        connect(pip, &ToolProcess::finished, this,
                [this, pip, package](int exitCode, const QString &output, const QString &error) {
                    if (error.isEmpty())
                        finish(pip, parseIndexVersions(m_python, package, exitCode, output));
                    else
                        finish(pip, {package, {}, tr("Looking up %1: %2").arg(package, error)});
                });
        pip->start();
    }
}

void PackageIndex::finish(ToolProcess *pip, const IndexVersions &result)
{
    const QString package = m_running.take(pip);
    pip->deleteLater();
    if (result.ok())
        Q_EMIT found(package, result.name, result.versions);
    else
        Q_EMIT failed(package, result.error);
    startNext();
    if (!isBusy())
        Q_EMIT idle();
}

} // namespace QtPyVenvApp
