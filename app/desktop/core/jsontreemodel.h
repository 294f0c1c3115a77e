// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractItemModel>
#include <QJsonValue>

#include <memory>
#include <vector>

namespace QtPyVenvApp {

/*!
 * A JSON value as a foldable tree: objects and arrays are parents, one row per member.
 * Columns: key (member name or [index]), value (scalars as JSON, containers as a summary
 * such as "{3}" or "[5]"), type.
 */
class JsonTreeModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column { KeyColumn, ValueColumn, TypeColumn, ColumnCount };
    Q_ENUM(Column)
    enum Roles {
        JsonRole = Qt::UserRole + 1, //!< the QJsonValue of the row
        PathRole,                    //!< "result.stats[2]" style path
    };
    Q_ENUM(Roles)

    explicit JsonTreeModel(QObject *parent = nullptr);
    ~JsonTreeModel() override;

    //! Replaces the tree with \a value (the root shows as one row named "result").
    void setJson(const QJsonValue &value);
    QJsonValue json() const { return m_json; }
    void clear();

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Node {
        QString key;
        QJsonValue value;
        Node *parent = nullptr;
        int row = 0;
        std::vector<std::unique_ptr<Node>> children;
    };
    static void build(Node *node);
    Node *nodeOf(const QModelIndex &index) const;
    static QString path(const Node *node);

    QJsonValue m_json;
    std::unique_ptr<Node> m_root; // invisible; its one child is the value
};

//! A scalar as compact JSON text ("\"text\"", "1.5", "true", "null").
QString jsonScalarText(const QJsonValue &value);
//! "object", "array", "string", "number", "bool", "null".
QString jsonTypeName(const QJsonValue &value);
//! \a value as indented JSON text (scalars too).
QString prettyJson(const QJsonValue &value);
/*!
 * Parses the text of the JSON arguments editor: empty (or only whitespace) is null; any JSON
 * value is accepted, scalars included. On failure returns false with a message naming the
 * line and column.
 */
bool parseJsonArgs(const QString &text, QJsonValue *value, QString *error);

} // namespace QtPyVenvApp
