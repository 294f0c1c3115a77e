// SPDX-License-Identifier: MIT
#include "callsummary.h"

#include "arguments.h"
#include "resultvalue.h"

namespace QtPyVenvApp {

namespace {

QString runningText(const CallRecord &record)
{
    QString text = record.cancelRequested ? CallModel::tr("Cancelling…") : CallModel::tr("Still running.");
    if (record.progress.reported)
        text += CallModel::tr(" Progress: %1").arg(record.progress.text());
    return text;
}

QString outcomeText(const CallRecord &record)
{
    const QString duration = formatDuration(record.durationMs);
    const QtPyVenv::Error &e = record.error;
    switch (record.state) {
    case CallState::Running:
        return runningText(record);
    case CallState::Done:
        return CallModel::tr("Returned in %1: %2").arg(duration, valueSummary(record.result));
    case CallState::Cancelled:
        // The traceback says where its code stopped.
        return CallModel::tr("Cancelled after %1.\n\n%2").arg(duration, e.traceback.isEmpty() ? e.message : e.traceback);
    case CallState::Failed:
    case CallState::Died:
        return CallModel::tr("Failed after %1: %2\n\n%3")
            .arg(duration, e.type.isEmpty() ? e.message : QStringLiteral("%1: %2").arg(e.type, e.message), e.traceback);
    }
    return {};
}

} // namespace

QString callSummary(const CallRecord &record)
{
    const QString sent = record.callId.isEmpty() ? CallModel::tr("not sent")
                                                 : CallModel::tr("worker call %1").arg(record.callId);
    QString text = CallModel::tr("Call %1: %2(%3)\n(%4)\n")
                       .arg(QString::number(record.id), record.function, argumentsText(record.arguments), sent);
    if (record.partialCount > 0) {
        text += record.partialCount == record.partials.size()
                    ? CallModel::tr("%1 partial results.\n").arg(record.partialCount)
                    : CallModel::tr("%1 partial results, the newest %2 kept.\n").arg(record.partialCount).arg(record.partials.size());
    }
    return text + outcomeText(record);
}

} // namespace QtPyVenvApp
