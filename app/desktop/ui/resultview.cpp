// SPDX-License-Identifier: MIT
#include "resultview.h"

#include "imageview.h"
#include "tablepane.h"

#include "core/valuetreemodel.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLocale>
#include <QPlainTextEdit>
#include <QStackedWidget>
#include <QTabBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace QtPyVenvApp {

namespace {
// Tabs and stack pages follow the ResultKind order.
constexpr ResultKind Kinds[] = {ResultKind::Table, ResultKind::Image, ResultKind::Array, ResultKind::Tree, ResultKind::Text};
} // namespace

ResultView::ResultView(QWidget *parent)
    : QWidget(parent)
    , m_tabs(new QTabBar(this))
    , m_stack(new QStackedWidget(this))
    , m_table(new TablePane(this))
    , m_image(new ImageView(this))
    , m_array(new ArrayPane(this))
    , m_tree(new QTreeView(this))
    , m_treeModel(new ValueTreeModel(this))
    , m_text(new QPlainTextEdit(this))
{
    createViews();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_tabs);
    layout->addWidget(m_stack, 1);
    connect(m_tabs, &QTabBar::currentChanged, this, &ResultView::showTab);
    clear();
}

void ResultView::createViews()
{
    m_tabs->setObjectName(QStringLiteral("resultTabs"));
    m_tabs->setExpanding(false);
    m_tabs->setDocumentMode(true);
    for (ResultKind kind : Kinds)
        m_tabs->addTab(resultKindName(kind));
    m_tree->setObjectName(QStringLiteral("resultTree"));
    m_tree->setModel(m_treeModel);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setSectionResizeMode(QHeaderView::Interactive);
    m_text->setObjectName(QStringLiteral("resultText"));
    m_text->setReadOnly(true);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    for (QWidget *view : std::initializer_list<QWidget *>{m_table, m_image, m_array, m_tree, m_text})
        m_stack->addWidget(view);
}

void ResultView::setValue(const QCborValue &value)
{
    assign(value, chooseView(value));
}

void ResultView::updateValue(const QCborValue &value)
{
    const ResultKind shown = currentKind();
    const bool keep = !m_value.isUndefined() && applicableViews(value).contains(shown);
    assign(value, keep ? shown : chooseView(value));
}

void ResultView::assign(const QCborValue &value, ResultKind kind)
{
    m_value = value;
    m_available = applicableViews(value);
    m_filled.clear();
    const QSignalBlocker blocker(m_tabs);
    for (int i = 0; i < m_tabs->count(); ++i)
        m_tabs->setTabEnabled(i, m_available.contains(Kinds[i]));
    m_tabs->setCurrentIndex(int(kind));
    showTab(int(kind));
}

void ResultView::clear()
{
    m_value = QCborValue();
    m_available = {ResultKind::Tree, ResultKind::Text};
    m_filled = m_available;
    m_table->setTable({});
    m_image->setImage({});
    m_array->setArray({});
    m_treeModel->clear();
    m_text->clear();
    const QSignalBlocker blocker(m_tabs);
    for (int i = 0; i < m_tabs->count(); ++i)
        m_tabs->setTabEnabled(i, m_available.contains(Kinds[i]));
    m_tabs->setCurrentIndex(int(ResultKind::Tree));
    m_stack->setCurrentIndex(int(ResultKind::Tree));
}

ResultKind ResultView::currentKind() const
{
    return Kinds[qBound(0, m_stack->currentIndex(), int(std::size(Kinds)) - 1)];
}

bool ResultView::isAvailable(ResultKind kind) const
{
    return m_available.contains(kind);
}

bool ResultView::setCurrentKind(ResultKind kind)
{
    if (!isAvailable(kind))
        return false;
    m_tabs->setCurrentIndex(int(kind)); // show() through currentChanged, when it changes
    showTab(int(kind));
    return true;
}

void ResultView::showTab(int tab)
{
    if (tab < 0 || tab >= int(std::size(Kinds)))
        return;
    const ResultKind kind = Kinds[tab];
    if (!m_filled.contains(kind)) {
        fill(kind);
        m_filled << kind;
    }
    const bool changed = m_stack->currentIndex() != tab;
    m_stack->setCurrentIndex(tab);
    if (changed)
        Q_EMIT currentKindChanged(kind);
}

void ResultView::fill(ResultKind kind)
{
    switch (kind) {
    case ResultKind::Table:
        m_table->setTable(tableOf(m_value));
        break;
    case ResultKind::Image:
        m_image->setImage(imageOf(m_value));
        break;
    case ResultKind::Array:
        m_array->setArray(QtPyVenv::NdArray::fromCbor(m_value));
        break;
    case ResultKind::Tree:
        m_treeModel->setValue(m_value);
        m_tree->expandToDepth(1);
        m_tree->resizeColumnToContents(ValueTreeModel::KeyColumn);
        m_tree->resizeColumnToContents(ValueTreeModel::ValueColumn);
        break;
    case ResultKind::Text: {
        QByteArray text = QtPyVenv::toJsonText(m_value, 2);
        QString note;
        if (text.size() > MaxTextBytes) {
            note = tr("\n… cut at %1 of %2; the Table view exports all of it as CSV")
                       .arg(QLocale().formattedDataSize(MaxTextBytes), QLocale().formattedDataSize(text.size()));
            text.truncate(MaxTextBytes);
        }
        m_text->setPlainText(QString::fromUtf8(text) + note);
        break;
    }
    }
}

} // namespace QtPyVenvApp
