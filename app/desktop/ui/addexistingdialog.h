// SPDX-License-Identifier: MIT
#pragma once

#include "core/definition.h"
#include "core/interpreterprobe.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace QtPyVenvApp {

/*!
 * Adopts a venv or conda environment folder the user already has: asks for the folder and a
 * name, runs the folder's interpreter to show its version, and accepts only a folder whose
 * interpreter runs. The app never removes that folder and installs into it only once allowed.
 */
class AddExistingDialog : public QDialog
{
    Q_OBJECT

public:
    AddExistingDialog(const QStringList &takenNames, QWidget *parent = nullptr);
    //! The adopted environment: a fresh id, the folder as EnvironmentDefinition::existingDir.
    EnvironmentDefinition definition() const;
    void setFolder(const QString &folder);

private:
    QString folder() const;
    void onFolderChanged();
    void onProbed(const InterpreterInfo &info);
    void validate();

    QStringList m_takenNames;
    InterpreterProbe *m_probe;
    QString m_python;      // the folder's interpreter, "" when it has none
    InterpreterInfo m_info; // what running it told, for m_python
    QLineEdit *m_folder;
    QLineEdit *m_name;
    QLabel *m_interpreter;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};

} // namespace QtPyVenvApp
