// SPDX-License-Identifier: MIT
#include "argumentsform.h"

#include "colors.h"

#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace QtPyVenvApp {

using QtPyVenv::ParameterInfo;

namespace {

QString labelText(const ParameterInfo &p)
{
    QString name = p.name;
    if (p.kind == ParameterInfo::Kind::VarPositional)
        name.prepend(QLatin1Char('*'));
    else if (p.kind == ParameterInfo::Kind::VarKeyword)
        name.prepend(QStringLiteral("**"));
    if (!p.annotation.isEmpty())
        name += QStringLiteral(": ") + p.annotation;
    return name;
}

QString placeholder(const ParameterInfo &p)
{
    switch (p.kind) {
    case ParameterInfo::Kind::VarPositional: return QObject::tr("more positional arguments: a JSON array");
    case ParameterInfo::Kind::VarKeyword: return QObject::tr("more keyword arguments: a JSON object");
    default: break;
    }
    return p.hasDefault ? QObject::tr("default: %1").arg(p.defaultValue) : QObject::tr("required (JSON)");
}

QString kindText(ParameterInfo::Kind kind)
{
    switch (kind) {
    case ParameterInfo::Kind::Positional: return QObject::tr("positional only");
    case ParameterInfo::Kind::PositionalOrKeyword: return QObject::tr("positional or keyword");
    case ParameterInfo::Kind::VarPositional: return QObject::tr("extra positional arguments");
    case ParameterInfo::Kind::Keyword: return QObject::tr("keyword only");
    case ParameterInfo::Kind::VarKeyword: return QObject::tr("extra keyword arguments");
    }
    return {};
}

} // namespace

ArgumentsForm::ArgumentsForm(QWidget *parent)
    : QWidget(parent)
    , m_layout(new QFormLayout)
    , m_note(new QLabel(this))
{
    m_note->setObjectName(QStringLiteral("argumentsFormNote"));
    m_note->setWordWrap(true);
    m_layout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(m_layout);
    layout->addWidget(m_note);
    layout->addStretch(1);
    setParameters({});
}

void ArgumentsForm::setParameters(const QList<ParameterInfo> &parameters, bool signatureKnown)
{
    while (m_layout->rowCount() > 0)
        m_layout->removeRow(0);
    m_fields.clear();
    m_marks.clear();
    m_parameters = signatureKnown ? parameters : QList<ParameterInfo>();
    for (const ParameterInfo &p : std::as_const(m_parameters))
        addField(p);
    m_note->setText(!signatureKnown ? tr("Python cannot tell this function's parameters: use the raw JSON editor.")
                    : m_parameters.isEmpty() ? tr("This function takes no arguments.")
                                             : QString());
    m_note->setVisible(!m_note->text().isEmpty());
    validate();
}

void ArgumentsForm::addField(const ParameterInfo &p)
{
    auto *field = new QLineEdit(this);
    field->setObjectName(QStringLiteral("argument_") + p.name);
    field->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    field->setPlaceholderText(placeholder(p));
    field->setClearButtonEnabled(true);
    auto *mark = new QLabel(this);
    mark->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("✗")) + 4);
    auto *row = new QHBoxLayout;
    row->addWidget(field, 1);
    row->addWidget(mark);
    auto *label = new QLabel(labelText(p), this);
    label->setToolTip(kindText(p.kind));
    label->setBuddy(field);
    if (!p.hasDefault && p.kind != ParameterInfo::Kind::VarPositional && p.kind != ParameterInfo::Kind::VarKeyword) {
        QFont bold = label->font();
        bold.setBold(true);
        label->setFont(bold);
    }
    m_layout->addRow(label, row);
    m_fields << field;
    m_marks << mark;
    connect(field, &QLineEdit::textChanged, this, [this] {
        validate();
        Q_EMIT changed();
    });
}

QStringList ArgumentsForm::texts() const
{
    QStringList texts;
    for (const QLineEdit *field : m_fields)
        texts << field->text();
    return texts;
}

void ArgumentsForm::setTexts(const QStringList &texts)
{
    for (qsizetype i = 0; i < m_fields.size(); ++i) {
        const QSignalBlocker blocker(m_fields.at(i));
        m_fields.at(i)->setText(texts.value(i));
    }
    validate();
    Q_EMIT changed();
}

QLineEdit *ArgumentsForm::field(const QString &name) const
{
    for (qsizetype i = 0; i < m_parameters.size(); ++i) {
        if (m_parameters.at(i).name == name)
            return m_fields.at(i);
    }
    return nullptr;
}

FormArguments ArgumentsForm::result() const
{
    return formArguments(m_parameters, texts());
}

void ArgumentsForm::validate()
{
    const FormArguments arguments = result();
    for (qsizetype i = 0; i < m_fields.size(); ++i) {
        QLabel *mark = m_marks.at(i);
        QLineEdit *field = m_fields.at(i);
        // Only a field's own JSON is judged here; a missing required one is the form's error.
        QCborValue value;
        QString error = arguments.fieldErrors.value(i);
        if (error.isEmpty())
            parseJsonText(field->text(), &value, &error);
        if (field->text().trimmed().isEmpty() && error.isEmpty()) {
            mark->clear();
            mark->setToolTip(QString());
        } else if (error.isEmpty()) {
            mark->setText(QStringLiteral("✓"));
            mark->setStyleSheet(QStringLiteral("color: %1").arg(okColor(palette()).name()));
            mark->setToolTip(tr("valid JSON"));
        } else {
            mark->setText(QStringLiteral("✗"));
            mark->setStyleSheet(QStringLiteral("color: %1").arg(stderrColor(palette()).name()));
            mark->setToolTip(error);
        }
        field->setToolTip(error);
        field->setProperty("invalid", !error.isEmpty());
    }
}

} // namespace QtPyVenvApp
