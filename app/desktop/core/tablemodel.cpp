// SPDX-License-Identifier: MIT
#include "tablemodel.h"

#include "resultvalue.h"

#include <QGuiApplication>
#include <QPalette>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>

namespace QtPyVenvApp {

namespace {

//! The exact text of a cell: cellText() without its eliding of long strings.
QString exactText(const QCborValue &value)
{
    return value.isString() ? value.toString() : cellText(value);
}

bool isMissing(const QCborValue &value)
{
    return value.isNull() || value.isUndefined() || (value.isDouble() && std::isnan(value.toDouble()));
}

QVariant cellRole(const QCborValue &value, int role)
{
    switch (role) {
    case Qt::DisplayRole: return compactCellText(value);
    case Qt::EditRole: return exactText(value);
    case Qt::ToolTipRole: {
        const QString text = exactText(value);
        return text.size() > 10 ? text.left(2000) : QVariant();
    }
    case Qt::TextAlignmentRole:
        if (value.isInteger() || value.isDouble())
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ForegroundRole:
        if (isMissing(value))
            return QGuiApplication::palette().color(QPalette::PlaceholderText);
        break;
    }
    return {};
}

/*!
 * Sorts \a order (row numbers) by \a key(row), stable, with the rows for which \a missing(row)
 * holds last whatever the direction.
 */
template<typename Key, typename Missing>
void sortRows(std::vector<qint64> &order, Qt::SortOrder direction, Key key, Missing missing)
{
    const auto firstMissing = std::stable_partition(order.begin(), order.end(), [&](qint64 row) { return !missing(row); });
    if (direction == Qt::AscendingOrder)
        std::stable_sort(order.begin(), firstMissing, [&](qint64 a, qint64 b) { return key(a) < key(b); });
    else
        std::stable_sort(order.begin(), firstMissing, [&](qint64 a, qint64 b) { return key(b) < key(a); });
}

template<typename T> void sortTyped(std::vector<qint64> &order, Qt::SortOrder direction, std::span<const T> values)
{
    sortRows(order, direction, [values](qint64 row) { return values[size_t(row)]; }, [values](qint64 row) {
        if constexpr (std::is_floating_point_v<T>)
            return std::isnan(values[size_t(row)]);
        else
            return false;
    });
}

//! A list cell as a sort key: numbers before text before the rest (by their text).
struct ListKey {
    int rank = 0;
    double number = 0;
    QString text;
    bool missing = false;
    friend bool operator<(const ListKey &a, const ListKey &b)
    {
        if (a.rank != b.rank)
            return a.rank < b.rank;
        return a.rank == 0 ? a.number < b.number : a.text < b.text;
    }
};

ListKey listKey(const QCborValue &value)
{
    ListKey key;
    key.missing = isMissing(value);
    if (value.isInteger() || value.isDouble()) {
        key.number = value.toDouble();
    } else if (value.isString()) {
        key.rank = 1;
        key.text = value.toString();
    } else {
        key.rank = 2;
        key.text = cellText(value);
    }
    return key;
}

} // namespace

TableModel::TableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void TableModel::setTable(const QtPyVenv::Table &table)
{
    beginResetModel();
    m_table = table;
    m_order.clear();
    m_sortColumn = -1;
    m_sortOrder = Qt::AscendingOrder;
    endResetModel();
}

int TableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(qMin<qint64>(m_table.rowCount(), INT_MAX));
}

int TableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_table.columnCount();
}

QVariant TableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const qint64 row = sourceRow(index.row());
    if (role == SourceRowRole)
        return row;
    const QCborValue value = m_table.cell(row, index.column());
    if (role == ValueRole)
        return QVariant::fromValue(value);
    return cellRole(value, role);
}

QVariant TableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal) {
        if (section < 0 || section >= columnCount())
            return {};
        if (role == Qt::DisplayRole || role == Qt::EditRole)
            return m_table.columnNames().value(section);
        if (role == Qt::ToolTipRole) {
            const QtPyVenv::NdArray column = m_table.numericColumn(section);
            return column.isValid() ? QtPyVenv::NdArray::dtypeName(column.dtype()) : tr("values");
        }
        return {};
    }
    if (section < 0 || section >= rowCount())
        return {};
    if (role == Qt::DisplayRole || role == Qt::EditRole) {
        const qint64 row = sourceRow(section);
        return m_table.hasIndex() ? cellText(m_table.indexAt(row)) : QString::number(row);
    }
    if (role == Qt::TextAlignmentRole)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

std::vector<qint64> TableModel::sortedOrder(int column, Qt::SortOrder direction) const
{
    std::vector<qint64> order(size_t(m_table.rowCount()));
    std::iota(order.begin(), order.end(), qint64(0));
    const QtPyVenv::NdArray numbers = m_table.numericColumn(column);
    using QtPyVenv::DType;
    switch (numbers.isValid() ? numbers.dtype() : DType::Invalid) {
    case DType::Bool: sortTyped(order, direction, numbers.values<bool>()); return order;
    case DType::Int8: sortTyped(order, direction, numbers.values<std::int8_t>()); return order;
    case DType::UInt8: sortTyped(order, direction, numbers.values<std::uint8_t>()); return order;
    case DType::Int16: sortTyped(order, direction, numbers.values<std::int16_t>()); return order;
    case DType::UInt16: sortTyped(order, direction, numbers.values<std::uint16_t>()); return order;
    case DType::Int32: sortTyped(order, direction, numbers.values<std::int32_t>()); return order;
    case DType::UInt32: sortTyped(order, direction, numbers.values<std::uint32_t>()); return order;
    case DType::Int64: sortTyped(order, direction, numbers.values<std::int64_t>()); return order;
    case DType::UInt64: sortTyped(order, direction, numbers.values<std::uint64_t>()); return order;
    case DType::Float32: sortTyped(order, direction, numbers.values<float>()); return order;
    case DType::Float64: sortTyped(order, direction, numbers.values<double>()); return order;
    case DType::Float16: {
        std::vector<double> values(order.size());
        for (size_t i = 0; i < values.size(); ++i)
            values[i] = numbers.valueAt(qint64(i));
        sortTyped(order, direction, std::span<const double>(values));
        return order;
    }
    case DType::Invalid: break;
    }
    // A list of values: one key per row, made once.
    std::vector<ListKey> keys(order.size());
    for (size_t i = 0; i < keys.size(); ++i)
        keys[i] = listKey(m_table.cell(qint64(i), column));
    sortRows(order, direction, [&keys](qint64 row) -> const ListKey & { return keys[size_t(row)]; },
             [&keys](qint64 row) { return keys[size_t(row)].missing; });
    return order;
}

void TableModel::sort(int column, Qt::SortOrder order)
{
    if (column >= columnCount())
        return;
    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    QList<qint64> sourceRows;
    sourceRows.reserve(before.size());
    for (const QModelIndex &index : before)
        sourceRows << sourceRow(index.row());

    if (column < 0)
        m_order.clear();
    else
        m_order = sortedOrder(column, order);
    m_sortColumn = column;
    m_sortOrder = order;

    if (!before.isEmpty()) {
        std::vector<int> rowOfSource;
        if (!m_order.empty()) {
            rowOfSource.resize(m_order.size());
            for (size_t row = 0; row < m_order.size(); ++row)
                rowOfSource[size_t(m_order[row])] = int(row);
        }
        QModelIndexList after;
        after.reserve(before.size());
        for (qsizetype i = 0; i < before.size(); ++i) {
            const qint64 source = sourceRows.at(i);
            const int row = rowOfSource.empty() ? int(source) : rowOfSource[size_t(source)];
            after << index(row, before.at(i).column());
        }
        changePersistentIndexList(before, after);
    }
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

NdArrayModel::NdArrayModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void NdArrayModel::setArray(const QtPyVenv::NdArray &array)
{
    beginResetModel();
    m_array = array;
    m_rows = m_columns = m_rowStride = m_columnStride = 0;
    const QList<qint64> shape = array.isValid() ? array.shape() : QList<qint64>();
    if (shape.size() == 1) {
        m_rows = shape.at(0);
        m_columns = 1;
        m_rowStride = 1;
    } else if (shape.size() >= 2) {
        m_rows = shape.at(0);
        m_columns = shape.at(1);
        m_columnStride = std::accumulate(shape.begin() + 2, shape.end(), qint64(1), std::multiplies<>());
        m_rowStride = m_columns * m_columnStride;
    }
    if (m_rows == 0 || m_columns == 0)
        m_rows = m_columns = 0;
    endResetModel();
}

int NdArrayModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(qMin<qint64>(m_rows, INT_MAX));
}

int NdArrayModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(qMin<qint64>(m_columns, INT_MAX));
}

QVariant NdArrayModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QCborValue value = m_array.cborAt(index.row() * m_rowStride + index.column() * m_columnStride);
    if (role == ValueRole)
        return QVariant::fromValue(value);
    return cellRole(value, role);
}

QVariant NdArrayModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole || section < 0 || section >= (orientation == Qt::Horizontal ? columnCount() : rowCount()))
        return {};
    return QString::number(section);
}

} // namespace QtPyVenvApp
