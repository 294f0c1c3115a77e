// SPDX-License-Identifier: MIT
#pragma once

#include <QtPyVenv/venv.h>

#include <QAbstractListModel>
#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QStringList>
#include <QJsonValue>

namespace QtPyVenvApp {

/*!
 * The public functions of the sources, as Venv::functions() lists them. Stale ones belong to
 * a worker kept while a change is applied or after it failed: shown "(previous version)".
 */
class FunctionModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Roles { NameRole = Qt::UserRole + 1, SignatureRole, DocRole, StaleRole };
    Q_ENUM(Roles)
    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setFunctions(const QList<QtPyVenv::FunctionInfo> &functions);
    QList<QtPyVenv::FunctionInfo> functions() const { return m_functions; }
    int rowOf(const QString &name) const;
    //! Marks every function as the previous version's (Environment::functionsStale()).
    void setStale(bool stale);
    bool isStale() const { return m_stale; }

private:
    QList<QtPyVenv::FunctionInfo> m_functions;
    bool m_stale = false;
};

/*! An installed distribution of the venv. */
struct PackageInfo {
    QString name;
    QString version;
    QStringList dependencies; //!< the distributions it needs (without extras), as its metadata names them
    friend bool operator==(const PackageInfo &, const PackageInfo &) = default;
};

/*!
 * The packages installed in a venv: name, version and, once looked up (PackageIndex), the
 * latest version the index has, marked when it is newer than the installed one.
 */
class PackageModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { NameColumn, VersionColumn, LatestColumn, ColumnCount };
    Q_ENUM(Column)
    enum Roles { NameRole = Qt::UserRole + 1, UpdateAvailableRole, LatestVersionRole, RequiredByRole };
    Q_ENUM(Roles)
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    //! The latest versions already looked up stay, for packages still installed.
    void setPackages(const QList<PackageInfo> &packages);
    QList<PackageInfo> packages() const { return m_packages; }
    //! Forgets the latest versions looked up (another environment is shown).
    void clearLatestVersions();
    //! The row of \a name (any PEP 503 spelling), -1 when it is not installed.
    int rowOf(const QString &name) const;
    //! The latest version of \a name is being looked up.
    void setChecking(const QString &name);
    void setLatestVersion(const QString &name, const QString &version);
    //! Looking \a name up failed with \a message (shown as its tooltip).
    void setLatestError(const QString &name, const QString &message);
    //! The latest version looked up for \a name; empty when unknown.
    QString latestVersion(const QString &name) const;
    //! True when the index has a version of \a name newer than the installed one.
    bool hasUpdate(const QString &name) const;
    //! The installed packages that need \a name, as they spell themselves.
    QStringList requiredBy(const QString &name) const;

private:
    struct Latest {
        QString version;
        QString error;
        bool checking = false;
    };
    QVariant latestData(const PackageInfo &package, int role) const;
    void setLatest(const QString &name, const Latest &latest);

    QList<PackageInfo> m_packages;
    QHash<QString, Latest> m_latest; // by normalised name
};

/*! A call made from the console, to run again. */
struct HistoryEntry {
    QString function;
    QString argsText;       //!< as typed in the raw JSON editor, or the form's arguments as Python writes them
    QDateTime when;
    QStringList fieldTexts; //!< the form's fields as typed, when fromForm
    bool fromForm = false;  //!< made with the arguments form, not the raw JSON editor
};

/*! The console's call history, newest first, bounded. */
class HistoryModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Roles { FunctionRole = Qt::UserRole + 1, ArgsTextRole, WhenRole, FieldTextsRole, FromFormRole };
    Q_ENUM(Roles)
    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    //! Adds an entry at the top; an identical entry already at the top is moved, not repeated.
    void add(const HistoryEntry &entry);
    HistoryEntry entry(int row) const { return m_entries.value(row); }
    QList<HistoryEntry> entries() const { return m_entries; }
    //! Replaces every entry (newest first), bounded by maximumEntries().
    void setEntries(const QList<HistoryEntry> &entries);
    int maximumEntries() const { return m_maximum; }
    void setMaximumEntries(int maximum);

private:
    QList<HistoryEntry> m_entries;
    int m_maximum = 200;
};

} // namespace QtPyVenvApp
