// SPDX-License-Identifier: MIT
#include "addpackagedialog.h"

#include "colors.h"
#include "core/packageindex.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace QtPyVenvApp {

AddPackageDialog::AddPackageDialog(const QString &python, const QStringList &pipOptions, QWidget *parent)
    : QDialog(parent)
    , m_index(new PackageIndex(this))
    , m_name(new QLineEdit(this))
    , m_find(new QPushButton(tr("&Find"), this))
    , m_versions(new QComboBox(this))
    , m_status(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Add package"));
    setMinimumWidth(460);
    m_index->setInterpreter(python);
    m_index->setPipOptions(pipOptions);
    m_name->setObjectName(QStringLiteral("addPackageName"));
    m_name->setPlaceholderText(tr("e.g. requests"));
    m_find->setObjectName(QStringLiteral("addPackageFind"));
    m_find->setAutoDefault(false);
    m_versions->setObjectName(QStringLiteral("addPackageVersions"));
    m_versions->setEnabled(false);
    m_status->setObjectName(QStringLiteral("addPackageStatus"));
    m_status->setWordWrap(true);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Add and install"));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);

    auto *nameRow = new QHBoxLayout;
    nameRow->addWidget(m_name, 1);
    nameRow->addWidget(m_find);
    auto *nameLabel = new QLabel(tr("&Name:"), this);
    nameLabel->setBuddy(m_name); // the row is a layout: the form would show the '&' as is
    auto *form = new QFormLayout;
    form->addRow(nameLabel, nameRow);
    form->addRow(tr("&Version:"), m_versions);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(m_buttons);

    connect(m_find, &QPushButton::clicked, this, &AddPackageDialog::findVersions);
    connect(m_name, &QLineEdit::returnPressed, this, &AddPackageDialog::findVersions);
    connect(m_name, &QLineEdit::textEdited, this, [this] {
        // What was found belongs to the name before the edit.
        m_foundName.clear();
        m_versions->clear();
        m_versions->setEnabled(false);
        m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    });
    connect(m_index, &PackageIndex::found, this, &AddPackageDialog::onFound);
    connect(m_index, &PackageIndex::failed, this, &AddPackageDialog::onFailed);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void AddPackageDialog::findVersions()
{
    const QString name = m_name->text().trimmed();
    if (name.isEmpty())
        return;
    m_index->cancel();
    m_status->setStyleSheet(QString());
    m_status->setText(tr("Looking up %1…").arg(name));
    m_find->setEnabled(false);
    m_index->lookUp(name);
}

void AddPackageDialog::onFound(const QString &package, const QString &name, const QStringList &versions)
{
    if (package != m_name->text().trimmed())
        return; // an answer for a name since edited
    m_find->setEnabled(true);
    m_foundName = name;
    m_versions->clear();
    m_versions->addItems(versions); // newest first: the latest is preselected
    m_versions->setEnabled(true);
    m_status->setText(versions.size() == 1 ? tr("%1: one version, %2").arg(name, versions.first())
                                           : tr("%1: %2 versions, the latest %3").arg(name).arg(versions.size()).arg(versions.first()));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(true);
}

void AddPackageDialog::onFailed(const QString &package, const QString &message)
{
    if (package != m_name->text().trimmed())
        return;
    m_find->setEnabled(true);
    m_status->setText(message);
    m_status->setStyleSheet(QStringLiteral("color: %1").arg(stderrColor(palette()).name()));
}

QString AddPackageDialog::specifier() const
{
    if (m_foundName.isEmpty())
        return {};
    return (m_versions->currentIndex() == 0 ? QStringLiteral(">=") : QStringLiteral("==")) + m_versions->currentText();
}

QString AddPackageDialog::statusText() const
{
    return m_status->text();
}

} // namespace QtPyVenvApp
