// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/value.h>

#include <QAbstractTableModel>

#include <vector>

namespace QtPyVenvApp {

/*!
 * A QtPyVenv::Table as a table: one column per table column, the index (when there is one) as
 * the vertical header. data() reads the typed columns in place (Table::cell), so a million rows
 * cost nothing until they are scrolled to.
 *
 * sort() orders a permutation of row numbers (one std::vector<qint64>, sorted once per click),
 * not copies of rows: numbers numerically, text by code point, NaN and null last either way.
 * sort(-1) restores the table's own order.
 */
class TableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Roles {
        ValueRole = Qt::UserRole + 1, //!< the cell's QCborValue
        SourceRowRole,                //!< qint64, the row in the table (before sorting)
    };
    Q_ENUM(Roles)

    explicit TableModel(QObject *parent = nullptr);

    void setTable(const QtPyVenv::Table &table);
    QtPyVenv::Table table() const { return m_table; }
    void clear() { setTable({}); }
    //! The table row shown at \a row.
    qint64 sourceRow(int row) const { return m_order.empty() ? row : m_order[size_t(row)]; }
    //! The order rows are shown in: empty while unsorted (the table's own order).
    const std::vector<qint64> &order() const { return m_order; }
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    //! DisplayRole: compact text; EditRole: exact text (what copy and export write).
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

private:
    std::vector<qint64> sortedOrder(int column, Qt::SortOrder order) const;

    QtPyVenv::Table m_table;
    std::vector<qint64> m_order;
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
};

/*!
 * An NdArray as a table: a 1-D array as one column, a 2-D one as rows × columns; of an array
 * with more dimensions, the first two of its first slice ([:, :, 0, ...]). Reads the typed data
 * in place.
 */
class NdArrayModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Roles { ValueRole = Qt::UserRole + 1 }; //!< the element's QCborValue
    Q_ENUM(Roles)

    explicit NdArrayModel(QObject *parent = nullptr);

    void setArray(const QtPyVenv::NdArray &array);
    QtPyVenv::NdArray array() const { return m_array; }
    void clear() { setArray({}); }
    //! Whether the model shows only a slice (more than two dimensions).
    bool isSlice() const { return m_array.dimensions() > 2; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QtPyVenv::NdArray m_array;
    qint64 m_rows = 0;
    qint64 m_columns = 0;
    qint64 m_rowStride = 0;    //!< elements between two rows of the shown slice
    qint64 m_columnStride = 0; //!< elements between two columns of it
};

} // namespace QtPyVenvApp
