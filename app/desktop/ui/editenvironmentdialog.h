// SPDX-License-Identifier: MIT
#pragma once

#include "core/definition.h"

#include <QDialog>

class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;

namespace QtPyVenvApp {

class LauncherEditor;

/*!
 * Edits what can change after an environment was made: its name and where it runs. Its
 * interpreter and folder are shown, not edited: the venv (or the adopted folder) stays where it is.
 */
class EditEnvironmentDialog : public QDialog
{
    Q_OBJECT

public:
    /*!
     * Edits \a definition, whose venv folder is \a venvFolder (Environment::baseDir(); an
     * adopted environment shows its own folder instead); \a takenNames are the other
     * environments' names.
     */
    EditEnvironmentDialog(const EnvironmentDefinition &definition, const QString &venvFolder, const QStringList &takenNames,
                          QWidget *parent = nullptr);
    //! The definition given, with the name and launcher entered.
    EnvironmentDefinition definition() const;

private:
    //! A label showing \a text that the user can select but not edit.
    QLabel *readOnly(const QString &text);
    void validate();

    EnvironmentDefinition m_definition;
    QStringList m_takenNames;
    QLineEdit *m_name;
    LauncherEditor *m_runsOn;
    QFormLayout *m_form;
    QLabel *m_restartHint; //!< shown while the launcher differs from the definition's
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};

} // namespace QtPyVenvApp
