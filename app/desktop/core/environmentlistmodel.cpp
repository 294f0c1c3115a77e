// SPDX-License-Identifier: MIT
#include "environmentlistmodel.h"

namespace QtPyVenvApp {

int EnvironmentListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int EnvironmentListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EnvironmentListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const EnvironmentSummary &row = m_rows.at(index.row());
    switch (role) {
    case IdRole: return row.id;
    case StatusRole: return QVariant::fromValue(row.status);
    case CallsInFlightRole: return row.callsInFlight;
    case RunsOnRole: return row.runsOn;
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn: return row.name;
        case PythonColumn: return row.pythonVersion.isEmpty() ? QStringLiteral("–") : row.pythonVersion;
        case CallsColumn: return row.callsInFlight;
        }
        break;
    case Qt::DecorationRole:
        if (index.column() == NameColumn)
            return statusIcon(row.status);
        break;
    case Qt::ToolTipRole:
        return QStringLiteral("%1 — %2, on %3").arg(row.name, statusText(row.status), row.runsOn);
    case Qt::TextAlignmentRole:
        if (index.column() == CallsColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    }
    return {};
}

QVariant EnvironmentListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Environment");
    case PythonColumn: return tr("Python");
    case CallsColumn: return tr("Calls");
    }
    return {};
}

QHash<int, QByteArray> EnvironmentListModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(IdRole, "environmentId");
    names.insert(StatusRole, "status");
    names.insert(CallsInFlightRole, "callsInFlight");
    names.insert(RunsOnRole, "runsOn");
    return names;
}

void EnvironmentListModel::upsert(const EnvironmentSummary &summary)
{
    const int row = rowOf(summary.id);
    if (row < 0) {
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
        m_rows.append(summary);
        endInsertRows();
        return;
    }
    if (m_rows[row] == summary)
        return;
    m_rows[row] = summary;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void EnvironmentListModel::remove(const QString &id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    endRemoveRows();
}

int EnvironmentListModel::rowOf(const QString &id) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].id == id)
            return int(i);
    }
    return -1;
}

} // namespace QtPyVenvApp
