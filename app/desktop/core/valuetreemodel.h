// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractItemModel>
#include <QCborValue>

#include <memory>
#include <vector>

namespace QtPyVenvApp {

/*!
 * A value (QCborValue) as a foldable tree: maps (in their own key order) and arrays are
 * parents, one row per member; a table's children are its columns. Typed arrays, images and
 * other tags are leaves shown by a summary such as "float64[1000×3]".
 * Columns: key (member name or [index]), value (scalars as JSON, the rest as a summary), type.
 *
 * Children are made when first asked for, at most BatchSize at a time: a parent with more
 * reports canFetchMore(), so a list of a million elements costs nothing until scrolled.
 */
class ValueTreeModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column { KeyColumn, ValueColumn, TypeColumn, ColumnCount };
    Q_ENUM(Column)
    enum Roles {
        ValueRole = Qt::UserRole + 1, //!< the QCborValue of the row
        PathRole,                     //!< "result.stats[2]" style path
    };
    Q_ENUM(Roles)
    static constexpr int BatchSize = 1000;

    explicit ValueTreeModel(QObject *parent = nullptr);
    ~ValueTreeModel() override;

    //! Replaces the tree with \a value (the root shows as one row named "result").
    void setValue(const QCborValue &value);
    QCborValue value() const { return m_value; }
    void clear();

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

private:
    struct Node;
    Node *nodeOf(const QModelIndex &index) const;
    static void materialize(Node *node);
    static QString path(const Node *node);

    QCborValue m_value;
    std::unique_ptr<Node> m_root; // invisible; its one child is the value
};

} // namespace QtPyVenvApp
