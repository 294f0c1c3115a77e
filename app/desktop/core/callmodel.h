// SPDX-License-Identifier: MIT
#pragma once

#include "appstatus.h"

#include <QtPyVenv/venv.h>

#include <QAbstractTableModel>
#include <QDateTime>
#include <QCborValue>
#include <QElapsedTimer>
#include <QList>
#include <QSet>
#include <QTimer>

namespace QtPyVenvApp {

/*! The last progress a call reported (Venv::callProgress()). */
struct CallProgress {
    bool reported = false;
    double done = 0;
    double total = -1; //!< < 0: unknown
    QString message;

    //! done / total in 0..1; -1 when nothing was reported or the total is unknown (a busy bar).
    double fraction() const;
    //! "37/100 fitting", "37 fitting", "" before the first report.
    QString text() const;
};

/*! One call made from the app: plain data. */
struct CallRecord {
    int id = 0;            //!< the app's number for the call, unique per environment for the app's lifetime (shown)
    QString callId;        //!< the library's call id (Venv::callStarted/callFinished), restarts with every worker; "" when never sent
    QString function;
    QtPyVenv::Arguments arguments;
    QDateTime started;     //!< wall clock, for display
    qint64 startedMs = 0;  //!< on the model's monotonic clock
    qint64 durationMs = -1; //!< -1 while running
    CallState state = CallState::Running;
    QCborValue result;     //!< the rich value (value.h), when Done
    QtPyVenv::Error error;
    CallProgress progress;
    QList<QCborValue> partials;    //!< the newest CallModel::MaxPartialsKept values it yielded, in order
    qint64 partialCount = 0;       //!< all the values it yielded, kept or not
    bool cancelRequested = false;  //!< Cancel was asked; the call stays Running until its outcome arrives

    //! The kept partial results as one value, for the result views.
    QCborValue partialsValue() const;
};

/*!
 * In-flight and recent calls: the app's call number, function, arguments, started, elapsed
 * (live while running), progress, partial results, state, error. Keeps at most maximumRecords() rows,
 * dropping the oldest finished ones.
 * Rows are keyed by CallRecord::id, the app's own number, and the Id column shows it: a call the
 * app could not send has no library id, and the library's ids start again with every worker
 * start, so they would repeat (the Id cell's tooltip names the library's id).
 * Call tick() periodically to refresh the elapsed time (and busy bars) of running calls.
 * Progress and partial results are coalesced: however often a call reports, its row's
 * Progress and Partials cells change at most once per UpdateIntervalMs.
 */
class CallModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        IdColumn,
        FunctionColumn,
        ArgumentsColumn,
        StartedColumn,
        ElapsedColumn,
        ProgressColumn, // beside Elapsed: tick() refreshes both, the busy bars move with the clock
        PartialsColumn, // beside Progress: one coalesced update covers both
        StateColumn,
        ErrorColumn,
        ColumnCount
    };
    Q_ENUM(Column)
    enum Roles {
        IdRole = Qt::UserRole + 1, //!< int, the app's key (CallRecord::id, what IdColumn shows)
        StateRole,                 //!< QtPyVenvApp::CallState
        ArgsRole,                  //!< QtPyVenv::Arguments
        ResultRole,                //!< QCborValue
        ErrorRole,                 //!< QtPyVenv::Error
        ElapsedMsRole,             //!< qint64, live while running
        CallIdRole,                //!< QString, the library's call id
        ProgressRole,              //!< double, CallProgress::fraction(); invalid when no bar is due
        PartialsRole,              //!< QCborValue, an array of the kept partial results
        PartialCountRole,          //!< qint64, CallRecord::partialCount
        CancellableRole,           //!< bool, Running and no cancel asked yet
    };
    Q_ENUM(Roles)

    //! How long progress and partial results of a call wait to be shown with the next ones.
    static constexpr int UpdateIntervalMs = 100;
    //! Partial results kept per call; older ones are dropped (and still counted).
    static constexpr qsizetype MaxPartialsKept = 10'000;
    //! Characters of the arguments the Arguments cell shows; its tooltip has them all.
    static constexpr qsizetype ArgumentsShown = 80;

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
    //! Records the progress running call \a id reported (Venv::callProgress()); coalesced.
    void setProgress(int id, double done, double total, const QString &message);
    //! Appends a partial result of running call \a id (Venv::callPartial()); coalesced.
    void addPartial(int id, const QCborValue &value);
    //! Records that cancelling running call \a id was asked; it stays Running until finishCall().
    void setCancelRequested(int id);
    //! Emits the coalesced progress and partial changes now rather than at the next interval.
    void flushUpdates();
    //! Refreshes the elapsed and progress columns of running calls.
    void tick();
    void clearFinished();

    int runningCount() const;
    int rowOf(int id) const;
    const CallRecord *record(int id) const;
    QList<CallRecord> records() const { return m_records; }
    int maximumRecords() const { return m_maximum; }
    void setMaximumRecords(int maximum);

Q_SIGNALS:
    void runningCountChanged(int count);

private:
    void trim();
    qint64 elapsed(const CallRecord &record) const;
    QVariant progressBar(const CallRecord &record) const;
    QString stateText(const CallRecord &record) const;
    QVariant toolTip(const CallRecord &record, int column) const;
    //! The running record \a id, null for an unknown or finished one.
    CallRecord *runningRecord(int id);
    void scheduleUpdate(int id);

    QList<CallRecord> m_records;
    QSet<int> m_pendingUpdates; // ids whose progress or partials changed since the last flush
    QTimer m_updateTimer;
    QElapsedTimer m_clock;
    int m_lastId = 0;
    int m_maximum = 500;
};

//! argumentsText() on one line, cut to CallModel::ArgumentsShown characters with an ellipsis.
QString compactArgumentsText(const QtPyVenv::Arguments &arguments);
//! "850 ms", "12.3 s", "4 min 05 s".
QString formatDuration(qint64 ms);

} // namespace QtPyVenvApp
