// SPDX-License-Identifier: MIT
#pragma once

#include "core/environment.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTreeView;

namespace QtPyVenvApp {


class FunctionModel;
class JsonTreeModel;

/*!
 * The console: the functions the sources define, a JSON arguments editor validated as
 * you type, Call (Ctrl+Return), the result as a foldable tree and as text with its
 * duration, Python errors with type, message and traceback, and a re-runnable history.
 */
class FunctionsPage : public QWidget
{
    Q_OBJECT

public:
    explicit FunctionsPage(QWidget *parent = nullptr);
    void setEnvironment(Environment *environment);

    //! Selects \a name in the function list; false when there is no such function.
    bool selectFunction(const QString &name);
    QString currentFunction() const;
    //! Whether the arguments parse as JSON (empty counts as null).
    bool argsValid() const;
    //! The call shown in the result pane, 0 before the first.
    int shownCallId() const { return m_shownCall; }
    JsonTreeModel *resultModel() const { return m_resultModel; }

public Q_SLOTS:
    //! Calls the selected function with the typed arguments (no-op when invalid or not ready).
    void callCurrent();

Q_SIGNALS:
    //! A call finished and its outcome is shown.
    void resultShown(int callId);

private:
    void reloadFunctions();
    void updateDoc();
    void validateArgs();
    void updateCallEnabled();
    void showCall(int callId);
    void rerun(const QModelIndex &historyIndex);

    QPointer<Environment> m_environment;
    FunctionModel *m_functionModel;
    JsonTreeModel *m_resultModel;
    QListView *m_functionList;
    QLabel *m_doc;
    QPlainTextEdit *m_args;
    QLabel *m_argsStatus;
    QPushButton *m_call;
    QLabel *m_resultHeader;
    QStackedWidget *m_resultStack;
    QTreeView *m_resultTree;
    QPlainTextEdit *m_resultText;
    QPlainTextEdit *m_errorView;
    QListView *m_history;
    QHash<QString, QString> m_argsByFunction; // what was typed per function
    int m_pendingCall = 0;
    int m_shownCall = 0;
};

} // namespace QtPyVenvApp
