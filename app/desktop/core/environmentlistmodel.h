// SPDX-License-Identifier: MIT
#pragma once

#include "appstatus.h"

#include <QAbstractTableModel>
#include <QList>

namespace QtPyVenvApp {

/*! One row of the environments list: plain data, copied from an Environment. */
struct EnvironmentSummary {
    QString id;
    QString name;
    EnvStatus status = EnvStatus::Stopped;
    QString pythonVersion; //!< "3.11.7", empty until known
    int callsInFlight = 0;
    QString runsOn; //!< where the worker runs: runsOnText() of the launcher
    friend bool operator==(const EnvironmentSummary &, const EnvironmentSummary &) = default;
};

/*!
 * The environments list: name (with a state icon), Python version, calls in flight; where
 * each one runs in RunsOnRole and the tooltip.
 * Rows are keyed by EnvironmentSummary::id.
 */
class EnvironmentListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { NameColumn, PythonColumn, CallsColumn, ColumnCount };
    Q_ENUM(Column)
    enum Roles {
        IdRole = Qt::UserRole + 1, //!< QString
        StatusRole,                //!< QtPyVenvApp::EnvStatus
        CallsInFlightRole,         //!< int
        RunsOnRole,                //!< QString: "this computer", "ssh gpu-box", ...
    };
    Q_ENUM(Roles)

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    //! Appends \a summary, or updates the row with its id.
    void upsert(const EnvironmentSummary &summary);
    void remove(const QString &id);
    //! Row of \a id, -1 when absent.
    int rowOf(const QString &id) const;
    EnvironmentSummary summary(int row) const { return m_rows.value(row); }
    QList<EnvironmentSummary> summaries() const { return m_rows; }

private:
    QList<EnvironmentSummary> m_rows;
};

} // namespace QtPyVenvApp
