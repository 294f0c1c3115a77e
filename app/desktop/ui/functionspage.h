// SPDX-License-Identifier: MIT
#pragma once

#include "core/environment.h"
#include "core/sourcelocation.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QToolButton;

namespace QtPyVenvApp {

class ArgumentsForm;
class CallProgressPanel;
class FunctionModel;
class ResultView;
class TracebackView;

/*!
 * The console: the functions the sources define; their arguments in a form built from the
 * signature (or, one click away, as raw JSON), checked as they are typed; Call (Ctrl+Return);
 * while the call runs its progress, Cancel and the partial results it yielded so far; the
 * result in the view that fits it (ResultView) with its duration; Python errors with type,
 * message and traceback (a frame into a source is a link to it); and a re-runnable history.
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
    //! Whether the arguments are good: the form's fields, or the raw JSON (empty: none).
    bool argsValid() const;
    //! Whether the raw JSON editor is shown instead of the form.
    bool isRawArguments() const;
    //! The call shown in the result pane, 0 before the first.
    int shownCallId() const { return m_shownCall; }
    ResultView *resultView() const { return m_resultView; }
    TracebackView *errorView() const { return m_errorView; }
    ArgumentsForm *argumentsForm() const { return m_form; }
    CallProgressPanel *progressPanel() const { return m_progress; }

    //! Hands what is typed for the current function to the environment, to be saved.
    void rememberTypedArguments();

public Q_SLOTS:
    //! Calls the selected function with the entered arguments (no-op when invalid or not ready).
    void callCurrent();
    //! Shows the raw JSON editor (its one value is the one argument) instead of the form.
    void setRawArguments(bool raw);

Q_SIGNALS:
    //! A call finished and its outcome is shown.
    void resultShown(int callId);
    //! A traceback line was clicked: it points at \a location, for the error \a message.
    void sourceLocationActivated(const QtPyVenvApp::SourceLocation &location, const QString &message);

private:
    QWidget *createFunctionsPane();
    QWidget *createArgumentsPane();
    QWidget *createResultPane();
    void createShortcuts();
    void onCurrentFunctionChanged(const QModelIndex &current, const QModelIndex &previous);
    void rememberArguments(const QString &function);
    void reloadFunctions();
    //! The idle result pane: no call shown or awaited.
    void clearResult();
    void updateDoc();
    void validateArgs();
    void updateCallEnabled();
    bool currentArguments(QtPyVenv::Arguments *arguments, QString *error) const;
    void onCallsChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight);
    void showRunning(const CallRecord &record);
    void showPartials(const CallRecord &record);
    void showCall(int callId);
    void showResult(const CallRecord &record);
    void showCancelled(const CallRecord &record);
    void showError(const CallRecord &record);
    //! How the result header reads: a hint before any call, a call's state, or its failure.
    enum class HeaderTone { Hint, Normal, Error };
    void setHeader(const QString &text, HeaderTone tone);
    void rerun(const QModelIndex &historyIndex);

    QPointer<Environment> m_environment;
    FunctionModel *m_functionModel;
    QListView *m_functionList;
    QLabel *m_doc;
    QListView *m_history;
    ArgumentsForm *m_form;
    QPlainTextEdit *m_args;
    QStackedWidget *m_argsStack;
    QToolButton *m_rawToggle;
    QLabel *m_argsStatus;
    QPushButton *m_call;
    QLabel *m_resultHeader;
    CallProgressPanel *m_progress;
    QStackedWidget *m_resultStack;
    ResultView *m_resultView;
    TracebackView *m_errorView;
    QString m_wantedFunction; // the user's choice, selected again by name when the functions come back
    int m_pendingCall = 0;
    int m_shownCall = 0;
    qint64 m_shownPartials = 0; // of the pending call, in the result view
};

} // namespace QtPyVenvApp
