// SPDX-License-Identifier: MIT
#include "listmodels.h"

namespace QtPyVenvApp {

// --- FunctionModel ---------------------------------------------------------------------------

int FunctionModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_functions.size());
}

QVariant FunctionModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QtPyVenv::FunctionInfo &f = m_functions.at(index.row());
    switch (role) {
    case Qt::DisplayRole: return m_stale ? tr("%1 (previous version)").arg(f.name + f.signature) : f.name + f.signature;
    case Qt::ToolTipRole: {
        const QString tip = f.doc.isEmpty() ? f.name + f.signature : f.doc;
        return m_stale ? tr("%1\n\nThe running worker is the previous version: the change is not applied.").arg(tip) : tip;
    }
    case NameRole: return f.name;
    case SignatureRole: return f.signature;
    case DocRole: return f.doc;
    case StaleRole: return m_stale;
    }
    return {};
}

QHash<int, QByteArray> FunctionModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(NameRole, "name");
    names.insert(SignatureRole, "signature");
    names.insert(DocRole, "doc");
    names.insert(StaleRole, "stale");
    return names;
}

void FunctionModel::setStale(bool stale)
{
    if (stale == m_stale)
        return;
    m_stale = stale;
    if (!m_functions.isEmpty())
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {Qt::DisplayRole, Qt::ToolTipRole, StaleRole});
}

void FunctionModel::setFunctions(const QList<QtPyVenv::FunctionInfo> &functions)
{
    beginResetModel();
    m_functions = functions;
    endResetModel();
}

int FunctionModel::rowOf(const QString &name) const
{
    for (qsizetype i = 0; i < m_functions.size(); ++i) {
        if (m_functions[i].name == name)
            return int(i);
    }
    return -1;
}

// --- PackageModel ----------------------------------------------------------------------------

int PackageModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_packages.size());
}

int PackageModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PackageModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != Qt::DisplayRole)
        return {};
    const PackageInfo &p = m_packages.at(index.row());
    return index.column() == NameColumn ? p.name : p.version;
}

QVariant PackageModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return section == NameColumn ? tr("Package") : tr("Version");
}

void PackageModel::setPackages(const QList<PackageInfo> &packages)
{
    if (packages == m_packages)
        return;
    beginResetModel();
    m_packages = packages;
    endResetModel();
}

// --- HistoryModel ----------------------------------------------------------------------------

int HistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

QVariant HistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const HistoryEntry &e = m_entries.at(index.row());
    switch (role) {
    case Qt::DisplayRole: {
        QString args = e.argsText.simplified();
        if (args.size() > 60)
            args = args.left(57) + QStringLiteral("...");
        return QStringLiteral("%1  %2(%3)").arg(e.when.toString(QStringLiteral("HH:mm:ss")), e.function, args);
    }
    case Qt::ToolTipRole: return QStringLiteral("%1(%2)").arg(e.function, e.argsText);
    case FunctionRole: return e.function;
    case ArgsTextRole: return e.argsText;
    case WhenRole: return e.when;
    case FieldTextsRole: return e.fieldTexts;
    case FromFormRole: return e.fromForm;
    }
    return {};
}

void HistoryModel::add(const HistoryEntry &entry)
{
    if (!m_entries.isEmpty() && m_entries.first().function == entry.function
        && m_entries.first().argsText == entry.argsText && m_entries.first().fieldTexts == entry.fieldTexts
        && m_entries.first().fromForm == entry.fromForm) {
        m_entries.first().when = entry.when;
        Q_EMIT dataChanged(index(0), index(0));
        return;
    }
    beginInsertRows({}, 0, 0);
    m_entries.prepend(entry);
    endInsertRows();
    setMaximumEntries(m_maximum);
}

void HistoryModel::setEntries(const QList<HistoryEntry> &entries)
{
    beginResetModel();
    m_entries = entries.first(qMin(entries.size(), qsizetype(m_maximum)));
    endResetModel();
}

void HistoryModel::setMaximumEntries(int maximum)
{
    m_maximum = qMax(1, maximum);
    if (m_entries.size() > m_maximum) {
        beginRemoveRows({}, m_maximum, int(m_entries.size()) - 1);
        m_entries.resize(m_maximum);
        endRemoveRows();
    }
}

} // namespace QtPyVenvApp
