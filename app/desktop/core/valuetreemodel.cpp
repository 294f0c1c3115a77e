// SPDX-License-Identifier: MIT
#include "valuetreemodel.h"

#include "resultvalue.h"

#include <QCborArray>
#include <QCborMap>

namespace QtPyVenvApp {

struct ValueTreeModel::Node {
    QString key;
    QCborValue value;
    Node *parent = nullptr;
    int row = 0;
    bool indexKey = false; //!< key is "[i]" of an array
    int total = 0;         //!< children the value has
    int shown = 0;         //!< children reported to views (rowCount)
    std::vector<std::unique_ptr<Node>> children; //!< the first shown ones, made on demand

    Node(const QString &k, const QCborValue &v, Node *p, int r)
        : key(k), value(v), parent(p), row(r)
    {
        total = int(qMin<qsizetype>(childCountOf(value), INT_MAX));
        shown = qMin(total, BatchSize);
    }

    //! Table columns, or the members of a map or an array.
    static qsizetype childCountOf(const QCborValue &value)
    {
        if (value.isMap())
            return value.toMap().size();
        if (value.isArray())
            return value.toArray().size();
        if (value.isTag() && quint64(value.tag()) == QtPyVenv::Tag::Table) {
            const QtPyVenv::Table table = QtPyVenv::Table::fromCbor(value);
            return table.isValid() ? table.columnCount() + (table.hasIndex() ? 1 : 0) : 0;
        }
        return 0;
    }
};

ValueTreeModel::ValueTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_root(std::make_unique<Node>(QString(), QCborValue(), nullptr, 0))
{
}

ValueTreeModel::~ValueTreeModel() = default;

void ValueTreeModel::setValue(const QCborValue &value)
{
    beginResetModel();
    m_value = value;
    m_root = std::make_unique<Node>(QString(), QCborValue(), nullptr, 0);
    m_root->children.push_back(std::make_unique<Node>(QStringLiteral("result"), value, m_root.get(), 0));
    m_root->total = m_root->shown = 1;
    endResetModel();
}

void ValueTreeModel::clear()
{
    beginResetModel();
    m_value = QCborValue();
    m_root = std::make_unique<Node>(QString(), QCborValue(), nullptr, 0);
    endResetModel();
}

void ValueTreeModel::materialize(Node *node)
{
    const int from = int(node->children.size());
    if (from >= node->shown)
        return;
    node->children.reserve(size_t(node->shown));
    const QCborValue &value = node->value;
    auto add = [node](const QString &key, const QCborValue &child, bool indexKey = false) {
        node->children.push_back(std::make_unique<Node>(key, child, node, int(node->children.size())));
        node->children.back()->indexKey = indexKey;
    };
    if (value.isMap()) {
        const QCborMap map = value.toMap();
        for (auto it = map.constBegin() + from; int(node->children.size()) < node->shown; ++it)
            add(it.key().isString() ? it.key().toString() : cellText(it.key()), it.value());
    } else if (value.isArray()) {
        const QCborArray array = value.toArray();
        for (int i = from; i < node->shown; ++i)
            add(QStringLiteral("[%1]").arg(i), array.at(i), true);
    } else {
        // A table: its index (when it has one), then its columns, as they are carried.
        const QtPyVenv::Table table = QtPyVenv::Table::fromCbor(value);
        const int offset = table.hasIndex() ? 1 : 0;
        for (int i = from; i < node->shown; ++i) {
            if (i < offset) {
                const QString name = table.indexName().isEmpty() ? QStringLiteral("(index)") : table.indexName();
                add(name, value.taggedValue().toMap().value(QLatin1String("index")));
            } else {
                add(table.columnNames().value(i - offset), table.column(i - offset));
            }
        }
    }
}

ValueTreeModel::Node *ValueTreeModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex ValueTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    Node *node = nodeOf(parent);
    materialize(node); // a cache: what rowCount() reported already
    return createIndex(row, column, node->children.at(size_t(row)).get());
}

QModelIndex ValueTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    Node *parentNode = static_cast<Node *>(child.internalPointer())->parent;
    if (!parentNode || parentNode == m_root.get())
        return {};
    return createIndex(parentNode->row, 0, parentNode);
}

int ValueTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return 0;
    return nodeOf(parent)->shown;
}

int ValueTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

bool ValueTreeModel::canFetchMore(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return false;
    const Node *node = nodeOf(parent);
    return node->shown < node->total;
}

void ValueTreeModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    Node *node = nodeOf(parent);
    const int more = qMin(BatchSize, node->total - node->shown);
    beginInsertRows(parent, node->shown, node->shown + more - 1);
    node->shown += more;
    endInsertRows();
}

QString ValueTreeModel::path(const Node *node)
{
    QString result;
    for (; node && node->parent; node = node->parent) {
        if (node->indexKey)
            result.prepend(node->key);
        else
            result.prepend((node->parent->parent ? QStringLiteral(".") : QString()) + node->key);
    }
    return result;
}

QVariant ValueTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node *node = nodeOf(index);
    switch (role) {
    case ValueRole: return QVariant::fromValue(node->value);
    case PathRole: return path(node);
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        switch (index.column()) {
        case KeyColumn: return node->key;
        case ValueColumn: return valueSummary(node->value);
        case TypeColumn: return valueTypeName(node->value);
        }
        break;
    }
    return {};
}

QVariant ValueTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case KeyColumn: return tr("Key");
    case ValueColumn: return tr("Value");
    case TypeColumn: return tr("Type");
    }
    return {};
}

} // namespace QtPyVenvApp
