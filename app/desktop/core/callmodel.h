// SPDX-License-Identifier: MIT
#pragma once

#include "appstatus.h"

#include <QtPyVenv/venv.h>

#include <QAbstractTableModel>
#include <QDateTime>
#include <QCborValue>
#include <QElapsedTimer>
#include <QList>

namespace QtPyVenvApp {

/*! One call made from the app: plain data. */
struct CallRecord {
    int id = 0;            //!< the app's key for the row, unique per environment (never shown)
    QString callId;        //!< the library's call id (Venv::callStarted/callFinished); "" when never sent
    QString function;
    QtPyVenv::Arguments arguments;
    QDateTime started;     //!< wall clock, for display
    qint64 startedMs = 0;  //!< on the model's monotonic clock
    qint64 durationMs = -1; //!< -1 while running
    CallState state = CallState::Running;
    QCborValue result;     //!< the rich value (value.h), when Done
    QtPyVenv::Error error;
};

/*!
 * In-flight and recent calls: the library's call id, function, started, elapsed (live while
 * running), state, error. Keeps at most maximumRecords() rows, dropping the oldest finished ones.
 * Rows are keyed by CallRecord::id, the app's own number: a call the app could not send has no
 * library id, and the library's ids start again with every worker start.
 * Call tick() periodically to refresh the elapsed time of running calls.
 */
class CallModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { IdColumn, FunctionColumn, StartedColumn, ElapsedColumn, StateColumn, ErrorColumn, ColumnCount };
    Q_ENUM(Column)
    enum Roles {
        IdRole = Qt::UserRole + 1, //!< int, the app's key (CallRecord::id)
        StateRole,                 //!< QtPyVenvApp::CallState
        ArgsRole,                  //!< QtPyVenv::Arguments
        ResultRole,                //!< QCborValue
        ErrorRole,                 //!< QtPyVenv::Error
        ElapsedMsRole,             //!< qint64, live while running
        CallIdRole,                //!< QString, the library's call id (what IdColumn shows)
    };
    Q_ENUM(Roles)

    explicit CallModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    //! Adds a running call; returns its key (CallRecord::id).
    int addCall(const QString &function, const QtPyVenv::Arguments &arguments);
    //! Records the library's id of call \a id, once Venv::invokeAsync() has told it.
    void setCallId(int id, const QString &callId);
    //! Records the outcome of call \a id (Done when \a error is ok).
    void finishCall(int id, const QCborValue &result, const QtPyVenv::Error &error);
    //! Refreshes the elapsed column of running calls.
    void tick();
    void clearFinished();

    int runningCount() const;
    int rowOf(int id) const;
    //! Row of the newest call with the library id \a callId, -1 when absent.
    int rowOfCallId(const QString &callId) const;
    const CallRecord *record(int id) const;
    QList<CallRecord> records() const { return m_records; }
    int maximumRecords() const { return m_maximum; }
    void setMaximumRecords(int maximum);

Q_SIGNALS:
    void runningCountChanged(int count);

private:
    void trim();
    qint64 elapsed(const CallRecord &record) const;

    QList<CallRecord> m_records;
    QElapsedTimer m_clock;
    int m_lastId = 0;
    int m_maximum = 500;
};

//! "850 ms", "12.3 s", "4 min 05 s".
QString formatDuration(qint64 ms);

} // namespace QtPyVenvApp
