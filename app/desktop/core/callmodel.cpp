// SPDX-License-Identifier: MIT
#include "callmodel.h"

#include "arguments.h"

#include <QCborArray>

#include <algorithm>
#include <cmath>

namespace QtPyVenvApp {

namespace {

//! 37, 0.5, 1e+09: integral counts without a decimal point.
QString numberText(double value)
{
    return QString::number(value, 'g', 10);
}

} // namespace

double CallProgress::fraction() const
{
    if (!reported || !(total >= 0) || !std::isfinite(total) || !std::isfinite(done))
        return -1;
    return total == 0 ? 1.0 : std::clamp(done / total, 0.0, 1.0);
}

QString CallProgress::text() const
{
    if (!reported)
        return {};
    const QString count = total >= 0 ? QStringLiteral("%1/%2").arg(numberText(done), numberText(total)) : numberText(done);
    return message.isEmpty() ? count : QStringLiteral("%1 %2").arg(count, message);
}

QString compactArgumentsText(const QtPyVenv::Arguments &arguments)
{
    const QString text = argumentsText(arguments).simplified();
    return text.size() > CallModel::ArgumentsShown ? text.left(CallModel::ArgumentsShown - 1) + QChar(0x2026) : text;
}

QString formatDuration(qint64 ms)
{
    if (ms < 0)
        return {};
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 60'000)
        return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 1);
    return QStringLiteral("%1 min %2 s").arg(ms / 60'000).arg((ms / 1000) % 60, 2, 10, QLatin1Char('0'));
}

QCborValue CallRecord::partialsValue() const
{
    QCborArray array;
    for (const QCborValue &value : partials)
        array.append(value);
    return array;
}

CallModel::CallModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_clock.start();
    m_updateTimer.setSingleShot(true);
    m_updateTimer.setInterval(UpdateIntervalMs);
    connect(&m_updateTimer, &QTimer::timeout, this, &CallModel::flushUpdates);
}

int CallModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int CallModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

qint64 CallModel::elapsed(const CallRecord &record) const
{
    return record.state == CallState::Running ? m_clock.elapsed() - record.startedMs : record.durationMs;
}

QVariant CallModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const CallRecord &record = m_records.at(index.row());
    switch (role) {
    case IdRole: return record.id;
    case StateRole: return QVariant::fromValue(record.state);
    case ArgsRole: return QVariant::fromValue(record.arguments);
    case ResultRole: return QVariant::fromValue(record.result);
    case ErrorRole: return QVariant::fromValue(record.error);
    case ElapsedMsRole: return elapsed(record);
    case CallIdRole: return record.callId;
    case ProgressRole: return progressBar(record);
    case PartialsRole: return QVariant::fromValue(record.partialsValue());
    case PartialCountRole: return record.partialCount;
    case CancellableRole: return record.state == CallState::Running && !record.cancelRequested && !record.callId.isEmpty();
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn: return record.id;
        case FunctionColumn: return record.function;
        case ArgumentsColumn: return compactArgumentsText(record.arguments);
        case StartedColumn: return record.started.toString(QStringLiteral("HH:mm:ss"));
        case ElapsedColumn: return formatDuration(elapsed(record));
        case ProgressColumn: return record.progress.text();
        case PartialsColumn: return record.partialCount > 0 ? QString::number(record.partialCount) : QString();
        case StateColumn: return stateText(record);
        case ErrorColumn:
            if (record.error.ok() || record.state == CallState::Cancelled)
                return QString();
            return record.error.type.isEmpty() ? record.error.message
                                               : QStringLiteral("%1: %2").arg(record.error.type, record.error.message);
        }
        break;
    case Qt::DecorationRole:
        if (index.column() == StateColumn) {
            switch (record.state) {
            case CallState::Running: return statusIcon(EnvStatus::Starting);
            case CallState::Done: return statusIcon(EnvStatus::Ready);
            case CallState::Failed: return statusIcon(EnvStatus::Failed);
            case CallState::Died: return statusIcon(EnvStatus::Died);
            case CallState::Cancelled: return statusIcon(EnvStatus::Stopped);
            }
        }
        break;
    case Qt::ToolTipRole: return toolTip(record, index.column());
    case Qt::TextAlignmentRole:
        if (index.column() == IdColumn || index.column() == ElapsedColumn || index.column() == PartialsColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    }
    return {};
}

QVariant CallModel::toolTip(const CallRecord &record, int column) const
{
    switch (column) {
    case IdColumn:
        return record.callId.isEmpty() ? tr("Never sent to the worker")
                                       : tr("Call %1 of this run of the worker").arg(record.callId);
    case ArgumentsColumn: return QStringLiteral("%1(%2)").arg(record.function, argumentsText(record.arguments));
    case ProgressColumn: return record.progress.reported ? record.progress.text() : QVariant();
    case PartialsColumn:
        return record.partialCount > record.partials.size()
                   ? tr("Partial results yielded; the newest %1 are kept").arg(record.partials.size())
                   : QVariant();
    case ErrorColumn: return record.error.ok() ? QVariant() : record.error.message;
    }
    return {};
}

QVariant CallModel::progressBar(const CallRecord &record) const
{
    const double fraction = record.progress.fraction();
    if (record.state == CallState::Running)
        return fraction; // -1: busy
    // A finished call keeps the bar of a known total: how far a cancelled one got.
    return fraction >= 0 ? QVariant(fraction) : QVariant();
}

QString CallModel::stateText(const CallRecord &record) const
{
    return record.state == CallState::Running && record.cancelRequested ? tr("cancelling") : callStateText(record.state);
}

QVariant CallModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IdColumn: return tr("Id");
    case FunctionColumn: return tr("Function");
    case ArgumentsColumn: return tr("Arguments");
    case StartedColumn: return tr("Started");
    case ElapsedColumn: return tr("Elapsed");
    case ProgressColumn: return tr("Progress");
    case PartialsColumn: return tr("Partials");
    case StateColumn: return tr("State");
    case ErrorColumn: return tr("Error");
    }
    return {};
}

int CallModel::addCall(const QString &function, const QtPyVenv::Arguments &arguments)
{
    CallRecord record;
    record.id = ++m_lastId;
    record.function = function;
    record.arguments = arguments;
    record.started = QDateTime::currentDateTime();
    record.startedMs = m_clock.elapsed();
    beginInsertRows({}, int(m_records.size()), int(m_records.size()));
    m_records.append(record);
    endInsertRows();
    trim();
    Q_EMIT runningCountChanged(runningCount());
    return record.id;
}

void CallModel::setCallId(int id, const QString &callId)
{
    const int row = rowOf(id);
    if (row < 0 || m_records[row].callId == callId)
        return;
    m_records[row].callId = callId;
    Q_EMIT dataChanged(index(row, IdColumn), index(row, IdColumn), {Qt::DisplayRole, Qt::ToolTipRole, CallIdRole});
}

void CallModel::finishCall(int id, const QCborValue &result, const QtPyVenv::Error &error)
{
    const int row = rowOf(id);
    if (row < 0 || m_records[row].state != CallState::Running)
        return;
    CallRecord &record = m_records[row];
    record.durationMs = m_clock.elapsed() - record.startedMs;
    record.result = result;
    record.error = error;
    m_pendingUpdates.remove(id); // the whole row changes now
    if (error.ok())
        record.state = CallState::Done;
    else if (error.code == QtPyVenv::ErrorCode::Cancelled)
        record.state = CallState::Cancelled;
    else if (error.code == QtPyVenv::ErrorCode::Died || error.code == QtPyVenv::ErrorCode::Closed)
        record.state = CallState::Died;
    else
        record.state = CallState::Failed;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    trim();
    Q_EMIT runningCountChanged(runningCount());
}

CallRecord *CallModel::runningRecord(int id)
{
    const int row = rowOf(id);
    return row < 0 || m_records[row].state != CallState::Running ? nullptr : &m_records[row];
}

void CallModel::setProgress(int id, double done, double total, const QString &message)
{
    CallRecord *record = runningRecord(id);
    if (!record)
        return;
    record->progress = {true, done, total < 0 ? -1 : total, message};
    scheduleUpdate(id);
}

void CallModel::addPartial(int id, const QCborValue &value)
{
    CallRecord *record = runningRecord(id);
    if (!record)
        return;
    if (record->partials.size() >= MaxPartialsKept)
        record->partials.removeFirst();
    record->partials.append(value);
    ++record->partialCount;
    scheduleUpdate(id);
}

void CallModel::scheduleUpdate(int id)
{
    m_pendingUpdates.insert(id);
    if (!m_updateTimer.isActive())
        m_updateTimer.start();
}

void CallModel::flushUpdates()
{
    m_updateTimer.stop();
    const QSet<int> ids = std::exchange(m_pendingUpdates, {});
    for (const int id : ids) {
        if (const int row = rowOf(id); row >= 0)
            Q_EMIT dataChanged(index(row, ProgressColumn), index(row, PartialsColumn));
    }
}

void CallModel::setCancelRequested(int id)
{
    CallRecord *record = runningRecord(id);
    if (!record || record->cancelRequested)
        return;
    record->cancelRequested = true;
    const int row = rowOf(id);
    Q_EMIT dataChanged(index(row, StateColumn), index(row, StateColumn), {Qt::DisplayRole, CancellableRole});
}

void CallModel::tick()
{
    int first = -1, last = -1;
    for (qsizetype i = 0; i < m_records.size(); ++i) {
        if (m_records[i].state == CallState::Running) {
            if (first < 0)
                first = int(i);
            last = int(i);
        }
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, ElapsedColumn), index(last, ProgressColumn), {Qt::DisplayRole, ElapsedMsRole});
}

void CallModel::clearFinished()
{
    for (qsizetype i = m_records.size() - 1; i >= 0; --i) {
        if (m_records[i].state != CallState::Running) {
            beginRemoveRows({}, int(i), int(i));
            m_records.removeAt(i);
            endRemoveRows();
        }
    }
}

int CallModel::runningCount() const
{
    return int(std::count_if(m_records.cbegin(), m_records.cend(),
                             [](const CallRecord &r) { return r.state == CallState::Running; }));
}

int CallModel::rowOf(int id) const
{
    for (qsizetype i = m_records.size() - 1; i >= 0; --i) {
        if (m_records[i].id == id)
            return int(i);
    }
    return -1;
}

const CallRecord *CallModel::record(int id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_records[row];
}

void CallModel::setMaximumRecords(int maximum)
{
    m_maximum = qMax(1, maximum);
    trim();
}

void CallModel::trim()
{
    qsizetype i = 0;
    while (m_records.size() > m_maximum && i < m_records.size()) {
        if (m_records[i].state == CallState::Running) {
            ++i;
            continue;
        }
        beginRemoveRows({}, int(i), int(i));
        m_records.removeAt(i);
        endRemoveRows();
    }
}

} // namespace QtPyVenvApp
