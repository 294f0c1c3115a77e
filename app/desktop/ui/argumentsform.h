// SPDX-License-Identifier: MIT
#pragma once

#include "core/arguments.h"

#include <QWidget>

class QFormLayout;
class QLabel;
class QLineEdit;

namespace QtPyVenvApp {

/*!
 * Arguments entered in a form built from a function's signature: one field per parameter,
 * its default as the placeholder, each field's JSON checked as it is typed (✓ or ✗ and why).
 * *args takes a JSON array, **kwargs an object. result() makes the Arguments (formArguments()).
 */
class ArgumentsForm : public QWidget
{
    Q_OBJECT

public:
    explicit ArgumentsForm(QWidget *parent = nullptr);

    /*!
     * Rebuilds the fields for \a parameters, empty. \a signatureKnown false says Python could
     * not tell the signature: the form then has no fields and says to use the raw editor.
     */
    void setParameters(const QList<QtPyVenv::ParameterInfo> &parameters, bool signatureKnown = true);
    QList<QtPyVenv::ParameterInfo> parameters() const { return m_parameters; }
    //! What is typed, one text per parameter.
    QStringList texts() const;
    void setTexts(const QStringList &texts);
    //! The field of parameter \a name, null when there is none.
    QLineEdit *field(const QString &name) const;
    //! The fields' arguments, or why there are none.
    FormArguments result() const;
    bool isValid() const { return result().ok(); }

Q_SIGNALS:
    //! A field changed.
    void changed();

private:
    void addField(const QtPyVenv::ParameterInfo &parameter);
    void validate();

    QList<QtPyVenv::ParameterInfo> m_parameters;
    QList<QLineEdit *> m_fields;
    QList<QLabel *> m_marks;
    QFormLayout *m_layout;
    QLabel *m_note;
};

} // namespace QtPyVenvApp
