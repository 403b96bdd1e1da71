// The browser entry: the session an earlier visit left, then the app.
import { render } from 'preact';
import { restoreSession } from './api/session';
import { App } from './app';
import './styles.css';

restoreSession();
render(<App />, document.getElementById('app') as HTMLElement);
