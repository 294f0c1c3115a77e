// SPDX-License-Identifier: MIT
#pragma once

#include "core/definition.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace QtPyVenvApp {

/*!
 * Asks for a new environment: name, interpreter (picked from the Pythons on PATH, typed
 * or browsed) and venv folder (default: AppDataLocation/venvs/<id>).
 */
class NewEnvironmentDialog : public QDialog
{
    Q_OBJECT

public:
    NewEnvironmentDialog(const QStringList &pythons, const QStringList &takenNames, QWidget *parent = nullptr);
    //! The definition entered: a fresh id, no sources or requirements yet.
    EnvironmentDefinition definition() const;
    void setName(const QString &name);

private:
    void validate();

    QStringList m_takenNames;
    QString m_id;
    QLineEdit *m_name;
    QComboBox *m_interpreter;
    QLineEdit *m_folder;
    QLabel *m_folderHint;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};

} // namespace QtPyVenvApp
