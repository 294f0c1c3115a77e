// SPDX-License-Identifier: MIT
#include "arguments.h"

#include "resultvalue.h"

#include <QCborArray>
#include <QCborMap>
#include <QObject>

namespace QtPyVenvApp {

using QtPyVenv::ParameterInfo;

bool parseJsonText(const QString &text, QCborValue *value, QString *error)
{
    if (text.trimmed().isEmpty()) {
        *value = QCborValue();
        return true;
    }
    QString message;
    const QCborValue parsed = QtPyVenv::fromJsonText(text.toUtf8(), &message);
    if (parsed.isUndefined()) {
        if (error)
            *error = message.isEmpty() ? QObject::tr("not JSON") : message;
        return false;
    }
    *value = parsed;
    return true;
}

QtPyVenv::Arguments rawArguments(const QCborValue &value)
{
    QtPyVenv::Arguments arguments;
    if (!value.isUndefined())
        arguments.positional.append(value);
    return arguments;
}

QString argumentsText(const QtPyVenv::Arguments &arguments)
{
    QStringList parts;
    for (const QCborValue &value : arguments.positional)
        parts << jsonLine(value);
    for (auto it = arguments.keywords.constBegin(); it != arguments.keywords.constEnd(); ++it)
        parts << it.key().toString() + QLatin1Char('=') + jsonLine(it.value());
    return parts.join(QStringLiteral(", "));
}

FormArguments formArguments(const QList<ParameterInfo> &parameters, const QStringList &texts)
{
    FormArguments result;
    QList<QCborValue> values;
    for (qsizetype i = 0; i < parameters.size(); ++i) {
        const ParameterInfo &p = parameters.at(i);
        QCborValue value;
        QString error;
        if (!parseJsonText(texts.value(i), &value, &error)) {
            // Nothing to report here: the field shows its own error.
        } else if (p.kind == ParameterInfo::Kind::VarPositional && !value.isUndefined() && !value.isArray()) {
            error = QObject::tr("*%1 takes a JSON array").arg(p.name);
        } else if (p.kind == ParameterInfo::Kind::VarKeyword && !value.isUndefined() && !value.isMap()) {
            error = QObject::tr("**%1 takes a JSON object").arg(p.name);
        }
        result.fieldErrors << error;
        if (!error.isEmpty() && result.error.isEmpty())
            result.error = QStringLiteral("%1: %2").arg(p.name, error);
        values << (error.isEmpty() ? value : QCborValue());
    }
    if (!result.ok())
        return result;

    bool varPositional = false;
    for (qsizetype i = 0; i < parameters.size(); ++i)
        varPositional |= parameters.at(i).kind == ParameterInfo::Kind::VarPositional && !values.at(i).isUndefined();

    QString skipped; // a positional parameter left out: no later one can be given by position
    for (qsizetype i = 0; i < parameters.size(); ++i) {
        const ParameterInfo &p = parameters.at(i);
        const QCborValue &value = values.at(i);
        switch (p.kind) {
        case ParameterInfo::Kind::Positional:
        case ParameterInfo::Kind::PositionalOrKeyword: {
            const bool byPosition = p.kind == ParameterInfo::Kind::Positional || varPositional;
            if (value.isUndefined()) {
                if (!p.hasDefault)
                    result.error = QObject::tr("%1 is required").arg(p.name);
                else if (varPositional)
                    result.error = QObject::tr("%1 must be given when *args is").arg(p.name);
                else if (byPosition)
                    skipped = p.name;
            } else if (byPosition) {
                if (!skipped.isEmpty())
                    result.error = QObject::tr("%1 must be given before %2").arg(skipped, p.name);
                result.arguments.positional.append(value);
            } else {
                result.arguments.keywords.insert(p.name, value);
            }
            break;
        }
        case ParameterInfo::Kind::VarPositional: {
            const QCborArray items = value.toArray(); // const: iterating a non-const one copies it
            for (const QCborValue &item : items)
                result.arguments.positional.append(item);
            break;
        }
        case ParameterInfo::Kind::Keyword:
            if (!value.isUndefined())
                result.arguments.keywords.insert(p.name, value);
            else if (!p.hasDefault)
                result.error = QObject::tr("%1 is required").arg(p.name);
            break;
        case ParameterInfo::Kind::VarKeyword: {
            const QCborMap extra = value.toMap();
            for (auto it = extra.constBegin(); it != extra.constEnd(); ++it) {
                if (result.arguments.keywords.contains(it.key()))
                    result.error = QObject::tr("%1 is given twice").arg(it.key().toString());
                result.arguments.keywords.insert(it.key(), it.value());
            }
            break;
        }
        }
        if (!result.ok())
            break;
    }
    return result;
}

} // namespace QtPyVenvApp
