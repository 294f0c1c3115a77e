// SPDX-License-Identifier: MIT
#include "interpreterprobe.h"

#include "logging.h"
#include "requirements.h"
#include "toolprocess.h"

#include <QDateTime>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>

namespace QtPyVenvApp {

namespace {

QHash<QString, InterpreterInfo> &cache()
{
    static QHash<QString, InterpreterInfo> answers; // GUI thread only
    return answers;
}

} // namespace

InterpreterProbe::InterpreterProbe(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<InterpreterInfo>();
}

QString InterpreterProbe::cacheKey(const QString &path)
{
    const QFileInfo info(path);
    return path + QLatin1Char('\n') + QString::number(info.lastModified().toMSecsSinceEpoch());
}

InterpreterInfo InterpreterProbe::cached(const QString &path)
{
    return cache().value(cacheKey(path), InterpreterInfo{path, {}, {}});
}

QString InterpreterProbe::environmentInterpreter(const QString &folder)
{
    for (const QString &name : {QStringLiteral("/bin/python"), QStringLiteral("/bin/python3")}) {
        const QFileInfo python(folder + name);
        if (python.isFile() && python.isExecutable())
            return python.filePath();
    }
    return {};
}

void InterpreterProbe::probe(const QStringList &paths)
{
    for (const QString &path : paths) {
        ++m_pending;
        const InterpreterInfo known = cached(path);
        if (known.runs() || !known.error.isEmpty())
            QMetaObject::invokeMethod(this, [this, known] { answer(known); }, Qt::QueuedConnection);
        else
            run(path);
    }
}

void InterpreterProbe::run(const QString &path)
{
    // -I: no user site or PYTHON* variables decide whether it runs. A child of the probe: the
    // probe's end kills what still runs (ToolProcess's destructor).
    auto *process = new ToolProcess(path,
                                    {QStringLiteral("-I"), QStringLiteral("-c"),
                                     QStringLiteral("import sys; print('qtpyvenv-version=' + sys.version.split()[0])")},
                                    TimeoutMs, this);
    connect(process, &ToolProcess::finished, this,
            [this, process, path](int exitCode, const QString &output, const QString &error) {
                process->deleteLater();
                static const QRegularExpression version(QStringLiteral("^qtpyvenv-version=(\\d+\\.\\d+\\S*)$"),
                                                        QRegularExpression::MultilineOption);
                const auto match = version.match(output);
                InterpreterInfo info{path, {}, error};
                if (error.isEmpty() && exitCode == 0 && match.hasMatch())
                    info.version = match.captured(1);
                else if (error.isEmpty())
                    info.error = tr("exited with code %1: %2")
                                     .arg(exitCode)
                                     .arg(lastLines(output, 2).replace(QLatin1Char('\n'), QLatin1Char(' ')));
                cache().insert(cacheKey(path), info);
                answer(info);
            });
    process->start();
}

void InterpreterProbe::answer(const InterpreterInfo &info)
{
    qCDebug(lcApp) << "probed" << info.path << info.version << info.error;
    Q_EMIT probed(info);
    if (--m_pending == 0)
        Q_EMIT finished();
}

} // namespace QtPyVenvApp
