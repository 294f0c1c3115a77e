// SPDX-License-Identifier: MIT
#include "toolprocess.h"

#include "logging.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QTimer>

namespace QtPyVenvApp {

ToolProcess::ToolProcess(const QString &program, const QStringList &arguments, int timeoutMs, QObject *parent)
    : QObject(parent)
    , m_program(program)
    , m_arguments(arguments)
    , m_timeoutMs(timeoutMs)
{
}

QStringList ToolProcess::pipArguments(const QStringList &arguments)
{
    return QStringList{QStringLiteral("-m"), QStringLiteral("pip")} + arguments
        + QStringList{QStringLiteral("--disable-pip-version-check")};
}

ToolProcess::~ToolProcess()
{
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(1000); // killed: it ends at once, and is reaped here
    }
}

void ToolProcess::start()
{
    if (m_process)
        return;
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("PIP_NO_INPUT"), QStringLiteral("1"));
    m_process->setProcessEnvironment(environment);
    auto *timeout = new QTimer(this);
    timeout->setSingleShot(true);
    connect(timeout, &QTimer::timeout, this, [this] {
        report(-1, tr("it took longer than %1 s and was stopped").arg(m_timeoutMs / 1000.0));
    });
    connect(m_process, &QProcess::finished, this, [this](int exitCode, QProcess::ExitStatus status) {
        report(status == QProcess::NormalExit ? exitCode : -1,
               status == QProcess::NormalExit ? QString() : tr("%1 crashed").arg(m_program));
    });
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            report(-1, tr("Cannot run %1: %2").arg(m_program, m_process->errorString()));
    });
    qCDebug(lcApp) << "running" << m_program << m_arguments;
    timeout->start(m_timeoutMs);
    m_process->start(m_program, m_arguments);
}

void ToolProcess::report(int exitCode, const QString &error)
{
    if (!m_process)
        return; // reported already
    QProcess *process = std::exchange(m_process, nullptr);
    process->disconnect(this);
    const QString output = QString::fromUtf8(process->readAll());
    if (process->state() != QProcess::NotRunning) {
        process->kill();
        process->waitForFinished(1000); // killed: it ends at once, and is reaped here
    }
    process->deleteLater();
    Q_EMIT finished(exitCode, output, error);
}

} // namespace QtPyVenvApp
