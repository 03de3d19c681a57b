import { render } from 'preact'
import { bootConsole } from './stores/live.ts'
import { App } from './ui/app.tsx'
import './styles.css'

bootConsole()
render(<App />, document.getElementById('app')!)
