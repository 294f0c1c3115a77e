// SPDX-License-Identifier: MIT
#pragma once

#include "core/environment.h"
#include "core/sourcelocation.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QListView;
class QStringListModel;

namespace QtPyVenvApp {

struct EnvironmentDefinition;
class SourceFileEditor;

/*!
 * The Sources tab: the ordered .py files loaded into the worker (add, remove, reorder), and
 * the selected one in an editor (SourceFileEditor). A change to the list, saving a file, or a
 * file changing on disk reloads the worker. A start or change failure shows in the window's
 * banner; the line it points at (a SyntaxError's, or a failed call's innermost frame in a
 * source) is marked in the editor.
 */
class SourcesPage : public QWidget
{
    Q_OBJECT

public:
    explicit SourcesPage(QWidget *parent = nullptr);
    void setEnvironment(Environment *environment);
    QStringList sources() const;
    SourceFileEditor *fileEditor() const { return m_file; }
    //! Whether the unsaved edits may go (SourceFileEditor::confirmLeave()), e.g. before closing.
    bool confirmLeave();
    /*!
     * Opens \a location's file, puts the cursor on its line and marks it with \a message.
     * False when the file is none of the sources or the user kept unsaved edits of another one.
     */
    bool openLocation(const QtPyVenvApp::SourceLocation &location, const QString &message);

public Q_SLOTS:
    void addFiles(const QStringList &paths);
    void removeSelected();
    void moveSelected(int delta);

Q_SIGNALS:
    //! The list changed: save \a definition and reload the worker.
    void sourcesChanged(const QtPyVenvApp::EnvironmentDefinition &definition);

private:
    //! An error pointing into a source: where, and what it says.
    struct ErrorMark {
        SourceLocation location;
        QString message;
    };

    QWidget *createListPane();
    void connectEnvironment(Environment *environment);
    void load();
    void commit();
    //! Selects \a path in the list and shows it, without asking about edits (the caller has).
    void selectFile(const QString &path);
    void onCurrentFileChanged(const QModelIndex &current);
    void onStartStateChanged();
    void onCallFinished(int id);
    void setMark(const ErrorMark &mark);
    //! Shows the mark in the editor when it is in the file shown.
    void applyMark();

    QPointer<Environment> m_environment;
    QStringListModel *m_model;
    QListView *m_view;
    SourceFileEditor *m_file;
    QLabel *m_reloaded;
    ErrorMark m_mark;
    bool m_selecting = false; // selectFile() at work: no question about edits
};

} // namespace QtPyVenvApp
