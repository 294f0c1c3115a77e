// SPDX-License-Identifier: MIT
#include "resultoutput.h"

#include <QtPyVenv/value.h>

#include <QSaveFile>

#include <cstdio>

namespace {

bool writeAll(FILE *stream, const QByteArray &data)
{
    return std::fwrite(data.constData(), 1, size_t(data.size()), stream) == size_t(data.size())
        && std::fflush(stream) == 0;
}

//! Writes \a result, an Image's data or a byte string, as it is to \a path ("-": standard output).
QString writeRaw(const QString &function, const QCborValue &result, const QString &path)
{
    QByteArray data;
    if (const QtPyVenv::Image image = QtPyVenv::Image::fromCbor(result); image.isValid()) {
        data = image.data();
    } else if (result.isByteArray()) {
        data = result.toByteArray();
    } else {
        QByteArray shown = QtPyVenv::toJsonText(result, 0);
        if (shown.size() > 80)
            shown = shown.left(77) + "...";
        return QStringLiteral("--output needs an image or a byte string, but %1() returned %2")
            .arg(function, QString::fromUtf8(shown));
    }

    if (path == QLatin1String("-"))
        return writeAll(stdout, data) ? QString() : QStringLiteral("cannot write to standard output");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit())
        return QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return {};
}

//! Prints \a result as JSON on standard output; an error message, empty on success.
QString writeJson(const QCborValue &result, int indent)
{
    QByteArray json = QtPyVenv::toJsonText(result, indent);
    if (!json.endsWith('\n'))
        json += '\n';
    return writeAll(stdout, json) ? QString() : QStringLiteral("cannot write to standard output");
}

} // namespace

QString writeResult(const QString &function, const QCborValue &result, const OutputOptions &options)
{
    return options.rawPath ? writeRaw(function, result, *options.rawPath) : writeJson(result, options.indent);
}
