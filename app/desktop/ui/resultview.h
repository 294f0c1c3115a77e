// SPDX-License-Identifier: MIT
#pragma once

#include "core/resultvalue.h"

#include <QCborValue>
#include <QWidget>

class QPlainTextEdit;
class QStackedWidget;
class QTabBar;
class QTreeView;

namespace QtPyVenvApp {

class ArrayPane;
class ImageView;
class TablePane;
class ValueTreeModel;

/*!
 * A call's result in the view that fits it: Table, Image, Array, Tree or Text, picked by
 * chooseView() and switchable with the tabs above it (only the views that can show the value
 * are enabled). A view is filled when first shown, so a million-row table costs its JSON text
 * only if Text is asked for. Used by the Functions console and the call details.
 */
class ResultView : public QWidget
{
    Q_OBJECT

public:
    //! Text longer than this is cut, with a note (use Table's Export CSV for all of it).
    static constexpr qsizetype MaxTextBytes = 4 * 1024 * 1024;

    explicit ResultView(QWidget *parent = nullptr);

    void setValue(const QCborValue &value);
    //! setValue() for a value that grows (a running call's partial results): keeps the view
    //! shown when it can show the new value too.
    void updateValue(const QCborValue &value);
    QCborValue value() const { return m_value; }
    void clear();

    ResultKind currentKind() const;
    //! Shows the \a kind view when it can show the value; returns whether it can.
    bool setCurrentKind(ResultKind kind);
    bool isAvailable(ResultKind kind) const;

    TablePane *tablePane() const { return m_table; }
    ImageView *imageView() const { return m_image; }
    ArrayPane *arrayPane() const { return m_array; }
    QTreeView *treeView() const { return m_tree; }
    ValueTreeModel *treeModel() const { return m_treeModel; }
    QPlainTextEdit *textView() const { return m_text; }

Q_SIGNALS:
    void currentKindChanged(QtPyVenvApp::ResultKind kind);

private:
    void createViews();
    void assign(const QCborValue &value, ResultKind kind);
    void showTab(int tab);
    void fill(ResultKind kind);

    QCborValue m_value;
    QList<ResultKind> m_available;
    QList<ResultKind> m_filled;
    QTabBar *m_tabs;
    QStackedWidget *m_stack;
    TablePane *m_table;
    ImageView *m_image;
    ArrayPane *m_array;
    QTreeView *m_tree;
    ValueTreeModel *m_treeModel;
    QPlainTextEdit *m_text;
};

} // namespace QtPyVenvApp
