// SPDX-License-Identifier: MIT
#include "interpreterprobe.h"

#include "logging.h"

#include <QDateTime>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTimer>

namespace QtPyVenvApp {

namespace {

QHash<QString, InterpreterInfo> &cache()
{
    static QHash<QString, InterpreterInfo> answers; // GUI thread only
    return answers;
}

//! The last lines of what a failed interpreter printed, for the reason shown.
QString lastLines(const QByteArray &output)
{
    QStringList lines = QString::fromUtf8(output).trimmed().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return lines.mid(std::max<qsizetype>(0, lines.size() - 2)).join(QLatin1Char(' '));
}

} // namespace

InterpreterProbe::InterpreterProbe(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<InterpreterInfo>();
}

InterpreterProbe::~InterpreterProbe()
{
    for (QProcess *process : m_running.keys()) {
        process->disconnect(this);
        process->kill();
        process->waitForFinished(1000); // reaped: no zombie outlives the dialog
    }
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
    auto *process = new QProcess(this);
    m_running.insert(process, path);
    process->setProcessChannelMode(QProcess::MergedChannels);
    auto *deadline = new QTimer(process);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, process, [process] { process->kill(); });
    connect(process, &QProcess::finished, this, [this, process, path](int exitCode, QProcess::ExitStatus status) {
        const QByteArray output = process->readAll();
        static const QRegularExpression version(QStringLiteral("^qtpyvenv-version=(\\d+\\.\\d+\\S*)$"),
                                                QRegularExpression::MultilineOption);
        const auto match = version.match(QString::fromUtf8(output));
        InterpreterInfo info{path, {}, {}};
        if (status == QProcess::NormalExit && exitCode == 0 && match.hasMatch())
            info.version = match.captured(1);
        else if (status != QProcess::NormalExit)
            info.error = tr("did not answer within %1 s").arg(TimeoutMs / 1000);
        else
            info.error = tr("exited with code %1: %2").arg(exitCode).arg(lastLines(output));
        m_running.remove(process);
        process->deleteLater();
        cache().insert(cacheKey(path), info);
        answer(info);
    });
    connect(process, &QProcess::errorOccurred, this, [this, process, path](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return; // finished() follows
        const InterpreterInfo info{path, {}, tr("cannot run it: %1").arg(process->errorString())};
        m_running.remove(process);
        process->deleteLater();
        cache().insert(cacheKey(path), info);
        answer(info);
    });
    deadline->start(TimeoutMs);
    // -I: no user site or PYTHON* variables decide whether it runs.
    process->start(path, {QStringLiteral("-I"), QStringLiteral("-c"),
                          QStringLiteral("import sys; print('qtpyvenv-version=' + sys.version.split()[0])")});
}

void InterpreterProbe::answer(const InterpreterInfo &info)
{
    qCDebug(lcApp) << "probed" << info.path << info.version << info.error;
    Q_EMIT probed(info);
    if (--m_pending == 0)
        Q_EMIT finished();
}

} // namespace QtPyVenvApp
