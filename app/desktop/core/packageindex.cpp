// SPDX-License-Identifier: MIT
#include "packageindex.h"

#include "logging.h"
#include "requirements.h"

#include <QProcessEnvironment>
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
    return QStringList{QStringLiteral("-m"), QStringLiteral("pip"), QStringLiteral("index"), QStringLiteral("versions"),
                       package.trimmed(), QStringLiteral("--disable-pip-version-check")}
        + m_options;
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
    const QList<QProcess *> running = m_running.keys();
    m_running.clear();
    for (QProcess *process : running) {
        process->disconnect(this);
        process->kill();
        process->waitForFinished(1000); // killed: it ends at once, and is reaped here
        delete process;
    }
}

void PackageIndex::startNext()
{
    while (m_running.size() < MaxRunning && !m_queue.isEmpty()) {
        const QString package = m_queue.takeFirst();
        auto *process = new QProcess(this);
        process->setProcessChannelMode(QProcess::MergedChannels);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("PIP_NO_INPUT"), QStringLiteral("1"));
        process->setProcessEnvironment(environment);
        m_running.insert(process, package);

        auto *timeout = new QTimer(process);
        timeout->setSingleShot(true);
        connect(timeout, &QTimer::timeout, this, [this, process, package] {
            finish(process, {package, {}, tr("Looking up %1 took longer than %2 s: is the package index reachable?")
                                               .arg(package).arg(m_timeoutMs / 1000.0)});
        });
        connect(process, &QProcess::finished, this, [this, process, package](int exitCode, QProcess::ExitStatus status) {
            const QString output = QString::fromUtf8(process->readAll());
            if (status != QProcess::NormalExit)
                finish(process, {package, {}, tr("pip crashed looking up %1:\n%2").arg(package, lastLines(output, 3))});
            else
                finish(process, parseIndexVersions(m_python, package, exitCode, output));
        });
        connect(process, &QProcess::errorOccurred, this, [this, process, package](QProcess::ProcessError error) {
            if (error == QProcess::FailedToStart)
                finish(process, {package, {}, tr("Cannot run %1: %2").arg(m_python, process->errorString())});
        });
        qCDebug(lcApp) << "looking up" << package << "with" << m_python << arguments(package);
        timeout->start(m_timeoutMs);
        process->start(m_python, arguments(package));
    }
}

void PackageIndex::finish(QProcess *process, const IndexVersions &result)
{
    const QString package = m_running.take(process);
    if (package.isNull())
        return; // already reported (a timeout's kill also ends in finished())
    process->disconnect(this);
    if (process->state() != QProcess::NotRunning) {
        process->kill();
        process->waitForFinished(1000); // killed: it ends at once, and is reaped here
    }
    process->deleteLater();
    if (result.ok())
        Q_EMIT found(package, result.name, result.versions);
    else
        Q_EMIT failed(package, result.error);
    startNext();
    if (!isBusy())
        Q_EMIT idle();
}

} // namespace QtPyVenvApp
