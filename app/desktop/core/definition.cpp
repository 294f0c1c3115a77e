// SPDX-License-Identifier: MIT
#include "definition.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QStandardPaths>

namespace QtPyVenvApp {

namespace {
QStringList toStringList(const QJsonValue &value)
{
    QStringList list;
    for (const QJsonValue &item : value.toArray())
        list.append(item.toString());
    return list;
}
} // namespace

QStringList EnvironmentDefinition::pipOptions() const
{
    QStringList options;
    if (!indexUrl.trimmed().isEmpty())
        options << QStringLiteral("--index-url") << indexUrl.trimmed();
    if (!findLinks.trimmed().isEmpty())
        options << QStringLiteral("--find-links") << findLinks.trimmed();
    return options;
}

QJsonObject EnvironmentDefinition::toJson() const
{
    return QJsonObject{
        {QLatin1String("id"), id},
        {QLatin1String("name"), name},
        {QLatin1String("interpreter"), interpreter},
        {QLatin1String("baseDir"), baseDir},
        {QLatin1String("sources"), QJsonArray::fromStringList(sources)},
        {QLatin1String("requirements"), QJsonArray::fromStringList(requirements)},
        {QLatin1String("indexUrl"), indexUrl},
        {QLatin1String("findLinks"), findLinks},
        {QLatin1String("installer"), installerKey(installer)},
        {QLatin1String("launcher"), QJsonArray::fromStringList(launcher)},
        {QLatin1String("autoStart"), autoStart},
        {QLatin1String("pythonVersion"), pythonVersion},
        {QLatin1String("existingDir"), existingDir},
        {QLatin1String("installIntoExisting"), installIntoExisting},
    };
}

EnvironmentDefinition EnvironmentDefinition::fromJson(const QJsonObject &object)
{
    EnvironmentDefinition d;
    d.id = object.value(QLatin1String("id")).toString();
    d.name = object.value(QLatin1String("name")).toString();
    d.interpreter = object.value(QLatin1String("interpreter")).toString(d.interpreter);
    d.baseDir = object.value(QLatin1String("baseDir")).toString();
    d.sources = toStringList(object.value(QLatin1String("sources")));
    d.requirements = toStringList(object.value(QLatin1String("requirements")));
    d.indexUrl = object.value(QLatin1String("indexUrl")).toString();
    d.findLinks = object.value(QLatin1String("findLinks")).toString();
    d.installer = installerFromKey(object.value(QLatin1String("installer")).toString());
    d.launcher = toStringList(object.value(QLatin1String("launcher"))); // absent before it existed: here
    d.autoStart = object.value(QLatin1String("autoStart")).toBool(true);
    d.pythonVersion = object.value(QLatin1String("pythonVersion")).toString();
    d.existingDir = object.value(QLatin1String("existingDir")).toString();
    d.installIntoExisting = object.value(QLatin1String("installIntoExisting")).toBool();
    return d;
}

AppPaths AppPaths::standard()
{
    return {QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation),
            QStandardPaths::writableLocation(QStandardPaths::AppDataLocation),
            QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/tools")};
}

QString AppPaths::settingsFile() const
{
    return configDir + QStringLiteral("/settings.ini");
}

QString AppPaths::toolsFolder() const
{
    return toolsDir.isEmpty() ? dataDir + QStringLiteral("/tools") : toolsDir;
}

QString AppPaths::toolBinDir() const
{
    return toolsFolder() + QStringLiteral("/bin");
}

QString AppPaths::definitionsFile() const
{
    return configDir + QStringLiteral("/environments.json");
}

QString AppPaths::sessionFile(const QString &id) const
{
    return configDir + QStringLiteral("/sessions/") + id + QStringLiteral(".json");
}

QString AppPaths::defaultBaseDir(const QString &id) const
{
    return dataDir + QStringLiteral("/venvs/") + id;
}

Definitions loadDefinitions(const QString &path, bool *exists, QString *error)
{
    Definitions result;
    QFile file(path);
    if (exists)
        *exists = file.exists();
    if (!file.open(QIODevice::ReadOnly)) {
        if (error && file.exists())
            *error = file.errorString();
        return result;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, parseError.errorString());
        return result;
    }
    const QJsonObject root = document.object();
    for (const QJsonValue &value : root.value(QLatin1String("environments")).toArray()) {
        EnvironmentDefinition definition = EnvironmentDefinition::fromJson(value.toObject());
        if (!definition.id.isEmpty())
            result.environments.append(definition);
    }
    result.currentId = root.value(QLatin1String("current")).toString();
    return result;
}

bool saveDefinitions(const QString &path, const Definitions &definitions, QString *error)
{
    QJsonArray environments;
    for (const EnvironmentDefinition &definition : definitions.environments)
        environments.append(definition.toJson());
    const QJsonObject root{{QLatin1String("version"), 1},
                           {QLatin1String("environments"), environments},
                           {QLatin1String("current"), definitions.currentId}};
    return writeJsonFile(path, root, error);
}

bool writeJsonFile(const QString &path, const QJsonObject &root, QString *error)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(root).toJson()) < 0 || !file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

QString installerKey(QtPyVenv::Installer installer)
{
    switch (installer) {
    case QtPyVenv::Installer::Auto: return QStringLiteral("auto");
    case QtPyVenv::Installer::Pip: return QStringLiteral("pip");
    case QtPyVenv::Installer::Uv: return QStringLiteral("uv");
    }
    return {};
}

QtPyVenv::Installer installerFromKey(const QString &key)
{
    for (QtPyVenv::Installer installer : {QtPyVenv::Installer::Pip, QtPyVenv::Installer::Uv}) {
        if (key == installerKey(installer))
            return installer;
    }
    return QtPyVenv::Installer::Auto;
}

QString displayPath(const QString &path)
{
    const QString home = QDir::homePath();
    return path.startsWith(home + QLatin1Char('/')) ? QLatin1Char('~') + path.mid(home.size()) : path;
}

QString newEnvironmentId()
{
    return QString::number(QRandomGenerator::global()->generate64() & 0xffffffffffffULL, 16).rightJustified(12, QLatin1Char('0'));
}

QString environmentNameProblem(const QString &name, const QStringList &takenNames)
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty())
        return QCoreApplication::translate("EnvironmentDefinition", "Give the environment a name.");
    if (takenNames.contains(trimmed))
        return QCoreApplication::translate("EnvironmentDefinition", "An environment named \"%1\" exists already.").arg(trimmed);
    return {};
}

} // namespace QtPyVenvApp
