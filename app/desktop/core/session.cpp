// SPDX-License-Identifier: MIT
#include "session.h"

#include "definition.h"
#include "logging.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace QtPyVenvApp {

namespace {

QJsonObject toJson(const HistoryEntry &entry)
{
    return {{QStringLiteral("function"), entry.function},
            {QStringLiteral("args"), entry.argsText},
            {QStringLiteral("when"), entry.when.toString(Qt::ISODateWithMs)},
            {QStringLiteral("fields"), QJsonArray::fromStringList(entry.fieldTexts)},
            {QStringLiteral("fromForm"), entry.fromForm}};
}

HistoryEntry historyEntry(const QJsonObject &object)
{
    QStringList fields;
    for (const QJsonValue &field : object.value(QLatin1String("fields")).toArray())
        fields.append(field.toString());
    return {object.value(QLatin1String("function")).toString(), object.value(QLatin1String("args")).toString(),
            QDateTime::fromString(object.value(QLatin1String("when")).toString(), Qt::ISODateWithMs), fields,
            object.value(QLatin1String("fromForm")).toBool()};
}

QJsonObject toJson(const TypedArguments &typed)
{
    QJsonObject fields;
    for (auto it = typed.fields.cbegin(); it != typed.fields.cend(); ++it)
        fields.insert(it.key(), it.value());
    return {{QStringLiteral("raw"), typed.raw}, {QStringLiteral("fields"), fields}};
}

TypedArguments typedArguments(const QJsonObject &object)
{
    TypedArguments typed{object.value(QLatin1String("raw")).toString(), {}};
    const QJsonObject fields = object.value(QLatin1String("fields")).toObject();
    for (auto it = fields.constBegin(); it != fields.constEnd(); ++it)
        typed.fields.insert(it.key(), it.value().toString());
    return typed;
}

} // namespace

EnvironmentSession loadSession(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return {};
    QJsonParseError parseError;
    const QJsonDocument document = file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll(), &parseError)
                                                                  : QJsonDocument();
    if (!document.isObject()) {
        qCWarning(lcApp) << "ignoring the unreadable session" << path << file.errorString() << parseError.errorString();
        return {};
    }
    EnvironmentSession session;
    for (const QJsonValue &entry : document.object().value(QLatin1String("history")).toArray()) {
        if (session.history.size() < EnvironmentSession::MaxHistoryKept)
            session.history.append(historyEntry(entry.toObject()));
    }
    const QJsonObject arguments = document.object().value(QLatin1String("arguments")).toObject();
    for (auto it = arguments.constBegin(); it != arguments.constEnd(); ++it)
        session.arguments.insert(it.key(), typedArguments(it.value().toObject()));
    return session;
}

bool saveSession(const QString &path, const EnvironmentSession &session, QString *error)
{
    QJsonArray history;
    for (const HistoryEntry &entry : session.history.first(qMin(session.history.size(), EnvironmentSession::MaxHistoryKept)))
        history.append(toJson(entry));
    QJsonObject arguments;
    for (auto it = session.arguments.cbegin(); it != session.arguments.cend(); ++it)
        arguments.insert(it.key(), toJson(it.value()));
    return writeJsonFile(path, {{QStringLiteral("history"), history}, {QStringLiteral("arguments"), arguments}}, error);
}

} // namespace QtPyVenvApp
