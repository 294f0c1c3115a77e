// SPDX-License-Identifier: MIT
#include "uvfetcher.h"

#include "logging.h"
#include "requirements.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSettings>

namespace QtPyVenvApp {

namespace {

constexpr auto OfferAnsweredKey = "uv/offerAnswered";
constexpr int KeptOutputChars = 256 * 1024;

//! The version in pip's "Successfully installed uv-0.5.1", or "".
QString installedVersion(const QString &output)
{
    static const QRegularExpression pattern(QStringLiteral("Successfully installed .*\\buv-(\\S+)"));
    return pattern.match(output).captured(1);
}

} // namespace

UvFetcher::UvFetcher(const QString &toolsFolder, QObject *parent)
    : QObject(parent)
    , m_toolsFolder(toolsFolder)
{
}

UvFetcher::~UvFetcher()
{
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

QString UvFetcher::uvPath() const
{
    return m_toolsFolder + QStringLiteral("/bin/uv");
}

QString UvFetcher::packageFolder() const
{
    return m_toolsFolder + QStringLiteral("/uv-pkg");
}

void UvFetcher::fetch(const QString &python)
{
    if (m_process)
        return;
    m_python = python;
    m_output.clear();
    QDir().mkpath(m_toolsFolder);
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("PIP_DISABLE_PIP_VERSION_CHECK"), QStringLiteral("1"));
    environment.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
    m_process->setProcessEnvironment(environment);
    connect(m_process, &QProcess::readyRead, this, [this] {
        const QString text = QString::fromUtf8(m_process->readAll());
        m_output = (m_output + text).right(KeptOutputChars);
        Q_EMIT outputReceived(text);
    });
    connect(m_process, &QProcess::finished, this, &UvFetcher::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            finish(false, tr("Cannot run %1: %2").arg(m_python, m_process->errorString()));
    });
    // One retry and a short timeout: without a network, pip's default retries take minutes.
    const QStringList arguments{QStringLiteral("-m"), QStringLiteral("pip"), QStringLiteral("install"),
                                QStringLiteral("--upgrade"), QStringLiteral("--retries"), QStringLiteral("1"),
                                QStringLiteral("--timeout"), QStringLiteral("15"), QStringLiteral("--target"),
                                packageFolder(), QStringLiteral("uv")};
    qCInfo(lcApp) << "fetching uv:" << python << arguments.join(QLatin1Char(' '));
    m_process->start(python, arguments);
}

void UvFetcher::onFinished(int exitCode, QProcess::ExitStatus status)
{
    if (const QByteArray rest = m_process->readAll(); !rest.isEmpty()) {
        m_output += QString::fromUtf8(rest);
        Q_EMIT outputReceived(QString::fromUtf8(rest));
    }
    if (status != QProcess::NormalExit) {
        finish(false, tr("pip crashed while fetching uv:\n%1").arg(lastLines(m_output, 3)));
        return;
    }
    if (exitCode != 0) {
        finish(false, describePipFailure(m_python, exitCode, m_output));
        return;
    }
    if (const QString error = linkUv(); !error.isEmpty()) {
        finish(false, error);
        return;
    }
    const QString version = installedVersion(m_output);
    finish(true, tr("uv %1 is in %2: environments on Auto install with it from their next start.")
                     .arg(version.isEmpty() ? tr("(version unknown)") : version, displayPath(uvPath())));
}

void UvFetcher::finish(bool ok, const QString &message)
{
    if (!m_process)
        return;
    m_process->deleteLater();
    m_process = nullptr;
    qCInfo(lcApp) << "fetching uv" << (ok ? "succeeded:" : "failed:") << message;
    Q_EMIT finished(ok, message);
}

QString UvFetcher::linkUv() const
{
    // pip --target moves the wheel's scripts (uv's binary) to bin/ of the target.
    const QString binary = packageFolder() + QStringLiteral("/bin/uv");
    if (!QFileInfo(binary).isExecutable())
        return tr("pip installed uv, but there is no executable %1").arg(binary);
    QDir().mkpath(QFileInfo(uvPath()).absolutePath());
    QFile::remove(uvPath()); // an older link
    // Relative, so the tool folder can move as a whole.
    if (!QFile::link(QStringLiteral("../uv-pkg/bin/uv"), uvPath()))
        return tr("Cannot link %1 to %2").arg(uvPath(), binary);
    return {};
}

QString describePipFailure(const QString &python, int exitCode, const QString &output)
{
    if (output.contains(QLatin1String("No module named pip")))
        return QObject::tr("%1 has no pip: install it (e.g. the python3-pip package), or put uv on PATH yourself.")
            .arg(python);
    if (pipOutputLooksOffline(output))
        return QObject::tr("No network: pip cannot reach the package index to fetch uv. Connect and try again.");
    return QObject::tr("pip install uv failed (exit code %1):\n%2").arg(exitCode).arg(lastLines(output, 3));
}

bool uvOfferAnswered(const AppPaths &paths)
{
    return QSettings(paths.settingsFile(), QSettings::IniFormat).value(QLatin1String(OfferAnsweredKey)).toBool();
}

void setUvOfferAnswered(const AppPaths &paths)
{
    QSettings(paths.settingsFile(), QSettings::IniFormat).setValue(QLatin1String(OfferAnsweredKey), true);
}

} // namespace QtPyVenvApp
