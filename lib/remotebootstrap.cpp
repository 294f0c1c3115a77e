// SPDX-License-Identifier: MIT
#include "remotebootstrap.h"

#include "environment.h"
#include "installer.h"
#include "launcher.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>

namespace QtPyVenv::Internal {

namespace {

// Installer::Auto may use uv only with pip options uv takes; the far side looks for uv on its PATH.
QString installerName(const Config &config)
{
    switch (config.installer) {
    case Installer::Pip: return QStringLiteral("pip");
    case Installer::Uv: return QStringLiteral("uv");
    case Installer::Auto: break;
    }
    return optionUnknownToUv(config.pipOptions).isEmpty() ? QStringLiteral("auto") : QStringLiteral("pip");
}

} // namespace

bool bootstrapCommand(const Config &config, ChildProcess::Options *options, QString *error)
{
    const QString loader = QString::fromUtf8(workerResource(QStringLiteral("qtpyvenv_load.py")));
    if (!applyLauncher(config.launcher, config.pythonInterpreter, {QStringLiteral("-c"), loader}, options, error))
        return false;
    options->environment = QProcessEnvironment::systemEnvironment();
    return true;
}

QByteArray bootstrapFrame(const Config &config, const QStringList &workerArguments)
{
    QJsonObject files;
    for (const auto &[name, content] : workerFiles())
        files.insert(name, QString::fromUtf8(content));
    const QJsonObject prepare{
        {QStringLiteral("baseDir"), config.baseDir},
        {QStringLiteral("venvDir"), config.venvDir},
        {QStringLiteral("interpreter"), config.pythonInterpreter},
        {QStringLiteral("requirements"), QJsonArray::fromStringList(config.requirements)},
        {QStringLiteral("pipOptions"), QJsonArray::fromStringList(config.pipOptions)},
        {QStringLiteral("installer"), installerName(config)},
        {QStringLiteral("installIntoExistingVenv"), config.installIntoExistingVenv},
        {QStringLiteral("files"), files},
        {QStringLiteral("workerArguments"), QJsonArray::fromStringList(workerArguments)},
    };
    const QJsonObject frame{
        {QStringLiteral("type"), QStringLiteral("bootstrap")},
        {QStringLiteral("source"), QString::fromUtf8(workerResource(QStringLiteral("qtpyvenv_bootstrap.py")))},
        {QStringLiteral("prepare"), prepare},
    };
    return QJsonDocument(frame).toJson(QJsonDocument::Compact);
}

std::optional<BootstrapNews> readBootstrapFrame(const QString &type, const QCborMap &message)
{
    BootstrapNews news;
    if (type == QLatin1String("install_output")) {
        news.output = message.value(QLatin1String("data")).toString().toUtf8();
        return news;
    }
    if (type == QLatin1String("phase")) {
        const QString phase = message.value(QLatin1String("phase")).toString();
        if (phase != QLatin1String("creating") && phase != QLatin1String("installing"))
            return std::nullopt;
        news.kind = BootstrapNews::Kind::Phase;
        news.phase = phase == QLatin1String("creating") ? StartPhase::CreatingVenv : StartPhase::Installing;
        return news;
    }
    if (type == QLatin1String("prepare_failed")) {
        news.kind = BootstrapNews::Kind::Failed;
        news.error = makeError(message.value(QLatin1String("code")).toString() == QLatin1String("StartFailed")
                                   ? ErrorCode::StartFailed
                                   : ErrorCode::InstallFailed,
                               message.value(QLatin1String("message")).toString());
        return news;
    }
    if (type == QLatin1String("prepared")) {
        news.kind = BootstrapNews::Kind::Prepared;
        return news;
    }
    return std::nullopt;
}

} // namespace QtPyVenv::Internal
