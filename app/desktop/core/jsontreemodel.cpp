// SPDX-License-Identifier: MIT
#include "jsontreemodel.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace QtPyVenvApp {

QString jsonScalarText(const QJsonValue &value)
{
    if (value.isObject() || value.isArray())
        return {};
    const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2));
}

QString jsonTypeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Object: return QStringLiteral("object");
    case QJsonValue::Array: return QStringLiteral("array");
    case QJsonValue::String: return QStringLiteral("string");
    case QJsonValue::Double: return QStringLiteral("number");
    case QJsonValue::Bool: return QStringLiteral("bool");
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Undefined: return QStringLiteral("undefined");
    }
    return {};
}

QString prettyJson(const QJsonValue &value)
{
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Indented)).trimmed();
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Indented)).trimmed();
    return jsonScalarText(value);
}

bool parseJsonArgs(const QString &text, QJsonValue *value, QString *error)
{
    if (text.trimmed().isEmpty()) {
        *value = QJsonValue(QJsonValue::Null);
        return true;
    }
    // Wrap in an array so scalars parse too; the offset is shifted back by the '['.
    const QByteArray wrapped = "[\n" + text.toUtf8() + "\n]";
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(wrapped, &parseError);
    if (parseError.error != QJsonParseError::NoError || document.array().size() != 1) {
        if (error) {
            const QString before = QString::fromUtf8(wrapped.left(parseError.offset).mid(2));
            const int line = int(before.count(QLatin1Char('\n'))) + 1;
            const int column = int(before.size() - before.lastIndexOf(QLatin1Char('\n')));
            const QString reason = parseError.error != QJsonParseError::NoError ? parseError.errorString()
                                                                                 : QStringLiteral("more than one value");
            *error = QStringLiteral("line %1, column %2: %3").arg(line).arg(column).arg(reason);
        }
        return false;
    }
    *value = document.array().at(0);
    return true;
}

JsonTreeModel::JsonTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_root(std::make_unique<Node>())
{
}

JsonTreeModel::~JsonTreeModel() = default;

void JsonTreeModel::build(Node *node)
{
    auto add = [node](const QString &key, const QJsonValue &value) {
        auto child = std::make_unique<Node>();
        child->key = key;
        child->value = value;
        child->parent = node;
        child->row = int(node->children.size());
        build(child.get());
        node->children.push_back(std::move(child));
    };
    if (node->value.isObject()) {
        const QJsonObject object = node->value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            add(it.key(), it.value());
    } else if (node->value.isArray()) {
        const QJsonArray array = node->value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            add(QStringLiteral("[%1]").arg(i), array.at(i));
    }
}

void JsonTreeModel::setJson(const QJsonValue &value)
{
    beginResetModel();
    m_json = value;
    m_root = std::make_unique<Node>();
    auto top = std::make_unique<Node>();
    top->key = QStringLiteral("result");
    top->value = value;
    top->parent = m_root.get();
    build(top.get());
    m_root->children.push_back(std::move(top));
    endResetModel();
}

void JsonTreeModel::clear()
{
    beginResetModel();
    m_json = QJsonValue();
    m_root = std::make_unique<Node>();
    endResetModel();
}

JsonTreeModel::Node *JsonTreeModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex JsonTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    const Node *node = nodeOf(parent);
    return createIndex(row, column, node->children.at(row).get());
}

QModelIndex JsonTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    const Node *node = static_cast<Node *>(child.internalPointer());
    Node *parentNode = node->parent;
    if (!parentNode || parentNode == m_root.get())
        return {};
    return createIndex(parentNode->row, 0, parentNode);
}

int JsonTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return 0;
    return int(nodeOf(parent)->children.size());
}

int JsonTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QString JsonTreeModel::path(const Node *node)
{
    QString result;
    for (; node && node->parent; node = node->parent) {
        if (node->key.startsWith(QLatin1Char('[')) && node->parent->value.isArray())
            result.prepend(node->key);
        else
            result.prepend((node->parent->parent ? QStringLiteral(".") : QString()) + node->key);
    }
    return result;
}

QVariant JsonTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node *node = nodeOf(index);
    switch (role) {
    case JsonRole: return QVariant::fromValue(node->value);
    case PathRole: return path(node);
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        switch (index.column()) {
        case KeyColumn: return node->key;
        case ValueColumn:
            if (node->value.isObject())
                return QStringLiteral("{%1}").arg(node->value.toObject().size());
            if (node->value.isArray())
                return QStringLiteral("[%1]").arg(node->value.toArray().size());
            return jsonScalarText(node->value);
        case TypeColumn: return jsonTypeName(node->value);
        }
        break;
    }
    return {};
}

QVariant JsonTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
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
