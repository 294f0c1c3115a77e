// SPDX-License-Identifier: MIT
#pragma once

#include "core/environment.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QListView;
class QStringListModel;

namespace QtPyVenvApp {


struct EnvironmentDefinition;

/*!
 * The Sources tab: the ordered .py files loaded into the worker (add, remove, reorder).
 * A change here, or a file changing on disk, reloads the worker. A SyntaxError (or any
 * start failure) shows with file, line and message.
 */
class SourcesPage : public QWidget
{
    Q_OBJECT

public:
    explicit SourcesPage(QWidget *parent = nullptr);
    void setEnvironment(Environment *environment);
    QStringList sources() const;
    QString errorText() const;

public Q_SLOTS:
    void addFiles(const QStringList &paths);
    void removeSelected();
    void moveSelected(int delta);

Q_SIGNALS:
    //! The list changed: save \a definition and reload the worker.
    void sourcesChanged(const QtPyVenvApp::EnvironmentDefinition &definition);

private:
    void load();
    void commit();
    void updateError();

    QPointer<Environment> m_environment;
    QStringListModel *m_model;
    QListView *m_view;
    QLabel *m_error;
    QLabel *m_reloaded;
};

} // namespace QtPyVenvApp
