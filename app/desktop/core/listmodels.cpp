// SPDX-License-Identifier: MIT
#include "listmodels.h"

#include "packageindex.h"
#include "requirements.h"

#include <QFont>

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
    const PackageInfo &p = m_packages.at(index.row());
    switch (role) {
    case NameRole: return p.name;
    case UpdateAvailableRole: return hasUpdate(p.name);
    case LatestVersionRole: return latestVersion(p.name);
    case RequiredByRole: return requiredBy(p.name);
    default: break;
    }
    switch (index.column()) {
    case NameColumn:
        if (role == Qt::DisplayRole)
            return p.name;
        if (role == Qt::ToolTipRole && !requiredBy(p.name).isEmpty())
            return tr("Required by %1").arg(requiredBy(p.name).join(QStringLiteral(", ")));
        return {};
    case VersionColumn: return role == Qt::DisplayRole ? p.version : QVariant();
    case LatestColumn: return latestData(p, role);
    default: return {};
    }
}

QVariant PackageModel::latestData(const PackageInfo &package, int role) const
{
    const Latest latest = m_latest.value(normalizedPackageName(package.name));
    const bool newer = hasUpdate(package.name);
    switch (role) {
    case Qt::DisplayRole:
        if (latest.checking)
            return tr("checking…");
        if (!latest.error.isEmpty())
            return tr("unknown");
        return newer ? tr("%1 ↑").arg(latest.version) : latest.version;
    case Qt::ToolTipRole:
        if (!latest.error.isEmpty())
            return latest.error;
        if (newer)
            return tr("%1 is newer than the installed %2: Upgrade installs it").arg(latest.version, package.version);
        return latest.version.isEmpty() ? QVariant() : tr("Up to date");
    case Qt::FontRole: {
        if (!newer)
            return {};
        QFont font;
        font.setBold(true);
        return font;
    }
    default: return {};
    }
}

QVariant PackageModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Package");
    case VersionColumn: return tr("Version");
    case LatestColumn: return tr("Latest");
    default: return {};
    }
}

void PackageModel::setPackages(const QList<PackageInfo> &packages)
{
    if (packages == m_packages)
        return;
    beginResetModel();
    m_packages = packages;
    endResetModel();
}

void PackageModel::clearLatestVersions()
{
    m_latest.clear();
    if (!m_packages.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int PackageModel::rowOf(const QString &name) const
{
    const QString wanted = normalizedPackageName(name);
    for (qsizetype row = 0; row < m_packages.size(); ++row) {
        if (normalizedPackageName(m_packages[row].name) == wanted)
            return int(row);
    }
    return -1;
}

void PackageModel::setChecking(const QString &name)
{
    setLatest(name, {QString(), QString(), true});
}

void PackageModel::setLatestVersion(const QString &name, const QString &version)
{
    setLatest(name, {version, QString(), false});
}

void PackageModel::setLatestError(const QString &name, const QString &message)
{
    setLatest(name, {QString(), message, false});
}

void PackageModel::setLatest(const QString &name, const Latest &latest)
{
    m_latest.insert(normalizedPackageName(name), latest);
    if (const int row = rowOf(name); row >= 0)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

QString PackageModel::latestVersion(const QString &name) const
{
    return m_latest.value(normalizedPackageName(name)).version;
}

bool PackageModel::hasUpdate(const QString &name) const
{
    const int row = rowOf(name);
    const QString latest = latestVersion(name);
    return row >= 0 && !latest.isEmpty() && isNewerVersion(latest, m_packages[row].version);
}

QStringList PackageModel::requiredBy(const QString &name) const
{
    const QString wanted = normalizedPackageName(name);
    QStringList names;
    for (const PackageInfo &package : m_packages) {
        for (const QString &required : package.dependencies) {
            if (normalizedPackageName(required) == wanted) {
                names.append(package.name);
                break;
            }
        }
    }
    return names;
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
