// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace QtPyVenvApp {

class PackageIndex;

/*!
 * "Add package…": a name, looked up on the environment's index (or find-links folder) with
 * a PackageIndex, and the versions it has to pick from, the latest preselected. OK is enabled
 * once the name was found; requirement() is then what to add.
 */
class AddPackageDialog : public QDialog
{
    Q_OBJECT

public:
    //! Looks names up with the bootstrap interpreter \a python and the environment's \a pipOptions.
    AddPackageDialog(const QString &python, const QStringList &pipOptions, QWidget *parent = nullptr);
    //! Looks the name typed up (also on Return in the name field).
    void findVersions();
    //! The name found, as typed; empty until found.
    QString packageName() const { return m_foundName; }
    //! ">=latest" when the latest version is picked (later upgrades stay possible), "==version"
    //! for an older one (">=" would install the latest).
    QString specifier() const;
    //! What the lookup said: "" before, "Looking up…", the versions found or why none were.
    QString statusText() const;

private:
    void onFound(const QString &package, const QString &name, const QStringList &versions);
    void onFailed(const QString &package, const QString &message);

    PackageIndex *m_index;
    QLineEdit *m_name;
    QPushButton *m_find;
    QComboBox *m_versions;
    QLabel *m_status;
    QDialogButtonBox *m_buttons;
    QString m_foundName;
};

} // namespace QtPyVenvApp
